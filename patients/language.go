package patients

import (
	"strings"

	"golang.org/x/text/language"
)

// Languages are stored as BCP 47 tags (for most languages simply the ISO 639-1 code:
// "en", "pl", "ur"), because that is what translation and interpreting services, and
// the browser, use. People and forms also send the language's English name, so the
// names of the languages most often needed in NHS services (the 2021 census main
// languages of England and Wales, and British Sign Language) are accepted too.
var languageNames = map[string]string{
	"english": "en", "welsh": "cy", "cymraeg": "cy", "polish": "pl", "romanian": "ro",
	"panjabi": "pa", "punjabi": "pa", "urdu": "ur", "portuguese": "pt", "spanish": "es",
	"arabic": "ar", "bengali": "bn", "bangla": "bn", "sylheti": "syl", "gujarati": "gu",
	"italian": "it", "lithuanian": "lt", "french": "fr", "chinese": "zh", "mandarin": "zh",
	"cantonese": "yue", "tamil": "ta", "turkish": "tr", "somali": "so", "persian": "fa",
	"farsi": "fa", "dari": "prs", "pashto": "ps", "kurdish": "ku", "russian": "ru",
	"ukrainian": "uk", "bulgarian": "bg", "german": "de", "hindi": "hi", "tigrinya": "ti",
	"amharic": "am", "greek": "el", "hungarian": "hu", "slovak": "sk", "czech": "cs",
	"latvian": "lv", "albanian": "sq", "vietnamese": "vi", "tagalog": "tl", "filipino": "fil",
	"nepali": "ne", "malayalam": "ml", "telugu": "te", "yoruba": "yo", "igbo": "ig",
	"twi": "tw", "shona": "sn", "swahili": "sw", "irish": "ga", "scottish gaelic": "gd",
	"gaelic": "gd", "cornish": "kw", "british sign language": "bfi", "bsl": "bfi",
}

// NormaliseLanguage returns the BCP 47 tag for a tag ("EN-gb" → "en-GB") or an English
// language name ("Polish" → "pl"), or false when it is neither.
func NormaliseLanguage(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	if tag, ok := languageNames[strings.ToLower(strings.Join(strings.Fields(s), " "))]; ok {
		return tag, true
	}
	if len(s) > 35 || strings.ContainsAny(s, " _") { // BCP 47 uses hyphens; longer tags are junk
		return "", false
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	if base, conf := t.Base(); conf == language.No || base.String() == "und" {
		return "", false
	}
	return t.String(), true
}
