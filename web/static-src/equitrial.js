// Progressive enhancement only: every page works without this file.
import { initAll } from './nhsuk.min.js'

initAll()

// Questions that only apply after a given answer (data-show-when="name=value")
// are hidden until that answer is chosen. Without JavaScript they all show.
for (const block of document.querySelectorAll('[data-show-when]')) {
  const [name, value] = block.dataset.showWhen.split('=')
  const form = block.closest('form')
  if (!form) continue
  const update = () => {
    const chosen = form.querySelector(`input[name="${name}"]:checked`)
    block.hidden = !(chosen && chosen.value === value)
  }
  form.addEventListener('change', (e) => { if (e.target.name === name) update() })
  update()
}
