package eligibility

import "strings"

// flagParts are the special-purpose exclusions and requirements of one criterion.
type flagParts struct {
	pregnancy, breastfeeding, smi, psychiatric, consent bool
	requiresPregnancy                                   bool // the trial is for pregnant people
	communication                                       bool // the study language, unnamed, is needed
	language                                            string
}

var smiCategories = map[string]bool{"F20": true, "F21": true, "F22": true, "F23": true, "F25": true, "F28": true, "F29": true, "F30": true, "F31": true}

var languages = []string{"english", "spanish", "french", "german", "italian", "portuguese", "dutch", "hindi", "mandarin",
	"chinese", "cantonese", "arabic", "japanese", "korean", "russian", "polish", "turkish", "swedish", "danish", "norwegian",
	"finnish", "greek", "hebrew", "urdu", "bengali", "bangla", "punjabi", "gujarati", "tamil", "swahili", "vietnamese", "thai",
	"malay", "indonesian", "czech", "hungarian", "romanian", "farsi", "persian", "somali", "amharic", "tagalog", "welsh",
	"catalan", "ukrainian", "flemish", "afrikaans", "zulu", "xhosa", "luganda", "kiswahili", "yoruba", "hausa", "igbo", "nepali", "sinhala", "marathi", "telugu", "kannada", "malayalam"}

var languageVerbs = []string{"speak", "spoken", "read", "writ", "understand", "fluen", "proficien", "literate", "literacy",
	"comprehen", "communicat", "language", "speaking", "speaker", "questionnaire", "complete", "fill in", "fill out", "converse"}

// communicationBarriers in exclusion require the study's language without naming it.
var communicationBarriers = []string{"language barrier", "language difficult", "language problem", "language impairment",
	"non native speaker", "not a native speaker", "need for an interpreter", "needs an interpreter", "requiring an interpreter", "require an interpreter",
	"requires an interpreter", "does not speak the local language", "not speak the local language", "linguistic barrier", "unable to speak the language"}

var capacityWords = []string{"able to", "ability to", "ability and", "capable", "capacity", "competent", "competence"}
var proxyWords = []string{"guardian", "representative", "parent", "legally authori", "proxy", "surrogate", "caregiver", "next of kin", "legal tutor", "relative"}
var incapacityWords = []string{"unable to", "inability", "incapable", "incapacity", "not able to", "cannot", "can not", "lack of capacity",
	"lacking capacity", "lacks capacity", "lack capacity", "impaired capacity", "not capable", "incompetent", "lack the capacity", "lacking the capacity",
	"lacks the capacity", "lack of decision", "impaired decision", "not competent", "unable to understand",
	"unable or unwilling", "unwilling or unable", "not able or", "preclud", "prevents informed", "prevent informed", "prevents consent",
	"prevents them from giving", "prevent them from giving", "interfere with informed consent", "interfere with the ability to give", "not capable of giving"}
var legalProtectionWords = []string{"guardianship", "curatorship", "legal protection", "tutelage", "safeguard of justice", "under legal", "deprived of liberty", "legally incapacitated", "ward of"}

func extractFlags(lower string, sec Section, conds conditionParts) flagParts {
	var f flagParts
	l := strings.ReplaceAll(lower, "-", " ")
	for _, c := range conds.exclude {
		if smiCategories[c.ICD10] {
			f.smi = true
		}
		if c.ICD10 == "F99" {
			f.psychiatric = true
		}
	}
	// pregnancy
	if i := strings.Index(l, "pregnan"); i >= 0 && !inException(l, i) {
		switch sec {
		case Exclusion:
			if !strings.Contains(l, "termination of pregnan") && !strings.Contains(l, "pregnancy termination") && !strings.Contains(l, "pregnancy outcome") {
				f.pregnancy = true
			}
		case Inclusion:
			if strings.Contains(l, "not pregnant") || strings.Contains(l, "non pregnant") || strings.Contains(l, "nonpregnant") ||
				strings.Contains(l, "not be pregnant") || strings.Contains(l, "not currently pregnant") || strings.Contains(l, "no pregnancy") ||
				strings.Contains(l, "neither pregnant") || negatedJustBefore(l, i) || negativePregnancyTest(l) ||
				statesExclusion(l, i) { // "pregnant women are not permitted"
				f.pregnancy = true
			} else if cs := clauseStart(l, i); !containsAny(l[cs:min(len(l), i+12)], []string{"not", "non", "negative", "become", "avoid", "prevent",
				"test", "contracep", "precaution", "plan", "potential", "during", "birth control", "of child", "childbearing", "conception", "impregnate",
				"including", "regardless", "whether"}) &&
				!strings.Contains(l[i:], "test") && !permitted(l, i) {
				f.requiresPregnancy = true
			}
		}
	}
	// breastfeeding
	bf := strings.Contains(l, "breastfe") || strings.Contains(l, "breast fe") || strings.Contains(l, "lactat") ||
		strings.Contains(l, "nursing mother") || strings.Contains(l, "nursing women") || strings.Contains(l, "nursing woman") ||
		strings.Contains(l, "pregnant or nursing") || strings.Contains(l, "pregnant, nursing") || strings.Contains(l, "nursing or pregnant") ||
		strings.Contains(l, "pregnant and nursing") || strings.Contains(l, "nursing an infant") || strings.Contains(l, "breast feeding")
	if bf {
		switch sec {
		case Exclusion:
			f.breastfeeding = true
		case Inclusion:
			if containsAny(l, []string{"not breast", "not lactat", "non lactat", "nonlactat", "not be breast", "not be lactat", "not nursing",
				"not be nursing", "not pregnant or nursing", "not pregnant or lactat", "not pregnant or breast", "nor breast", "nor lactat",
				"not pregnant nor", "neither pregnant", "not currently breast", "no breast", "not pregnant, nursing", "not pregnant, lactat", "not pregnant, breast"}) ||
				statesExclusion(l, firstIndex(l, "breast", "lactat", "nursing")) {
				f.breastfeeding = true
			}
		}
	}
	// broad psychiatric exclusions the vocabulary phrases may miss:
	// "significant psychiatric or neurological disorder", "unstable psychiatric illness"
	if broadPsychiatric(l, sec) {
		f.psychiatric = true
	}
	// language
	for _, lang := range languages {
		i := strings.Index(l, lang)
		if i < 0 || !atWordStart(l, i) {
			continue
		}
		if !containsAny(l, languageVerbs) {
			continue
		}
		switch sec {
		case Inclusion:
			f.language = lang
		case Exclusion:
			if containsAny(l, []string{"unable", "inability", "not ", "non ", "cannot", "lack", "limited", "insufficient", "poor", "no ", "n't ", "n t "}) {
				f.language = lang
			}
		}
		break
	}
	if f.language == "" && sec == Exclusion && containsAny(l, communicationBarriers) {
		f.communication = true
	}
	// capacity to consent
	if strings.Contains(l, "consent") || strings.Contains(l, "capacity") {
		switch sec {
		case Inclusion:
			if i := strings.Index(l, "consent"); i >= 0 && containsAny(l[:i], capacityWords) && !containsAny(l, proxyWords) {
				f.consent = true
			}
		case Exclusion:
			if containsAny(l, incapacityWords) {
				f.consent = true
			}
		}
	}
	if sec == Exclusion && containsAny(l, legalProtectionWords) {
		f.consent = true
	}
	return f
}

// psychWords start a broad psychiatric exclusion; psychHeads must follow within
// a few words for it to be one ("psychiatric illness", not "psychiatric drugs").
var psychWords = []string{"psychiatric", "neuropsychiatric", "mental", "psychological"}
var psychHeads = []string{"disorder", "illness", "condition", "disease", "history", "comorbid", "instability", "disturbance", "impairment", "patholog"}

// broadPsychiatric reports whether the criterion states a broad psychiatric
// exclusion in its own words. Only whole words count ("developmental disorder"
// and "environmental illness" are not mental illness); someone else's illness
// ("family history of mental illness") and "serious mental illness" (the SMI
// flag, from its code) do not.
func broadPsychiatric(l string, sec Section) bool {
	for _, w := range psychWords {
		for off := 0; ; {
			j := strings.Index(l[off:], w)
			if j < 0 {
				break
			}
			i := off + j
			off = i + len(w)
			if !atWordStart(l, i) || inException(l, i) {
				continue
			}
			after := l[i+len(w) : min(len(l), i+60)]
			if strings.HasPrefix(after, " drug") || strings.HasPrefix(after, " medication") || strings.HasPrefix(after, " health symptom") {
				continue
			}
			if !psychHeadFollows(after) {
				continue
			}
			cs := clauseStart(l, i)
			before := l[cs:i]
			if containsAny(before, otherPersonCues) || relativeAfter(l, i+len(w)) {
				continue
			}
			if w == "mental" && (strings.HasSuffix(before, "serious ") || strings.HasSuffix(before, "severe ") || strings.HasSuffix(before, "severe and enduring ")) {
				continue // "serious mental illness" is SMI, not any psychiatric disorder
			}
			neg := containsAny(before, []string{"no ", "not ", "without", "absence", "free of", "none"})
			return (sec == Exclusion) != neg || sec == Inclusion && statesExclusion(l, i)
		}
	}
	return false
}

// psychHeadFollows: one of the first words after the psychiatric word is a
// head ("psychiatric or neurological disorder"), before anything that makes it
// a feature of another disease ("neuropsychiatric symptoms of Alzheimer's disease").
func psychHeadFollows(after string) bool {
	for n, word := range strings.Fields(after) {
		if n >= 8 {
			return false
		}
		switch strings.Trim(word, ",;:()") {
		case "of", "due", "secondary", "associated", "related", "caused", "in", "from", "symptoms", "symptom":
			return false
		}
		if containsAny(word, psychHeads) {
			return true
		}
	}
	return false
}

// firstIndex returns the first offset of any of the words, or 0.
func firstIndex(l string, words ...string) int {
	best := -1
	for _, w := range words {
		if i := strings.Index(l, w); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return max(best, 0)
}

// negativePregnancyTest: "negative serum or urine pregnancy test".
func negativePregnancyTest(l string) bool {
	for off := 0; ; {
		i := strings.Index(l[off:], "negative")
		if i < 0 {
			return false
		}
		i += off
		rest := l[i:]
		if len(rest) > 70 {
			rest = rest[:70]
		}
		if strings.Contains(rest, "pregnan") {
			return true
		}
		off = i + 8
	}
}

// negatedJustBefore: a negation among the three words before offset i ("not a
// pregnant woman", "non-pregnant", "neither breastfeeding nor pregnant").
func negatedJustBefore(l string, i int) bool {
	w := strings.Fields(l[max(0, i-30):i])
	if len(w) > 3 {
		w = w[len(w)-3:]
	}
	for _, x := range w {
		switch strings.Trim(x, ",;:()") {
		case "not", "non", "no", "nor", "neither", "never", "nonpregnant":
			return true
		}
	}
	return false
}
