"""Apply docs/glossary.md to the Hindi and Spanish catalogs (one word per product term).

Run with the project venv: .venv/bin/python scripts/apply_glossary.py [--dry-run]
Phrase rules run before word rules so that gender and postpositions change with the noun.
Afterwards run `make messages`: it restores gettext line wrapping and compiles the .mo files.
"""

import re
import sys
import unicodedata
from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent

HI_RULES = [
    # procedure (masc. loanword) -> प्रक्रिया (fem.): fix the words that agree with it first
    ("उसका प्रोसीजर", "उसकी प्रक्रिया"),
    ("कोई प्रोसीजर नहीं बताता", "कोई प्रक्रिया नहीं बताती"),
    ("डिलीट हुए प्रोसीजर", "डिलीट हुई प्रक्रिया"),
    ("के पार्ट का कोई प्रोसीजर नहीं", "के पार्ट की कोई प्रक्रिया नहीं"),
    ("पार्ट का प्रोसीजर नहीं", "पार्ट की प्रक्रिया नहीं"),
    ("अभी कोई प्रोसीजर नहीं", "अभी कोई प्रक्रिया नहीं"),
    ("इसके प्रोसीजर", "इसकी प्रक्रिया"),
    ("प्रोसीजर वर्ज़न", "प्रक्रिया संस्करण"),
    ("प्रोसीजर", "प्रक्रिया"),
    ("वर्ज़न", "संस्करण"),
    ("प्रक्रिया के क्रम में स्टेज", "प्रोसेस के क्रम में स्टेज"),
    # stage: चरण (masc.) -> स्टेज (fem., as the other screens already use it)
    ("इस प्रक्रिया का चरण", "इस प्रक्रिया की स्टेज"),
    ("इसके चरणों", "इसकी स्टेजों"),
    ("कैटलॉग का चरण", "कैटलॉग की स्टेज"),
    ("अपना कस्टम चरण", "अपनी कस्टम स्टेज"),
    ("पहला चरण", "पहली स्टेज"),
    ("नया चरण", "नई स्टेज"),
    ("एक चरण होना चाहिए", "एक स्टेज होनी चाहिए"),
    ("चरण हैं; एक प्रक्रिया में अधिकतम %(max)s हो सकते हैं", "स्टेज हैं; एक प्रक्रिया में अधिकतम %(max)s हो सकती हैं"),
    ("स्टेज तब लाल होता है", "स्टेज तब लाल होती है"),
    ("केवल उसका स्टेज स्कैन", "केवल उसकी स्टेज स्कैन"),
    ("यह स्टेज पहले से योग्यता मांगता है", "यह स्टेज पहले से योग्यता मांगती है"),
    (
        "स्टेज %(stage)s पार्ट %(part_no)s से हटा दिया गया था",
        "स्टेज %(stage)s पार्ट %(part_no)s से हटा दी गई थी",
    ),
    ("उसी स्टेशन का स्टेज स्कैन", "उसी स्टेशन की स्टेज स्कैन"),
    ("केवल यह स्टेज पूरा चिह्नित करें", "केवल यह स्टेज पूरी चिह्नित करें"),
    ("चरणों", "स्टेजों"),
    ("चरण", "स्टेज"),
    # defect, fail: one spelling, with nukta
    ("दोष के कारण", "डिफ़ेक्ट के कारण"),
    ("दोष", "डिफ़ेक्ट"),
    ("डिफेक्ट", "डिफ़ेक्ट"),
    ("फेल", "फ़ेल"),
    ("ऑफ ", "ऑफ़ "),
    # waiting: इंतज़ार (fem. प्रतीक्षा -> masc. इंतज़ार)
    ("की प्रतीक्षा", "के इंतज़ार"),
    ("प्रतीक्षा", "इंतज़ार"),
    # registered: रजिस्टर्ड
    ("पंजीकरण के लिए", "रजिस्टर करने के लिए"),
    ("पंजीकृत होती", "रजिस्टर होती"),
    ("पंजीकृत", "रजिस्टर्ड"),
    # key: कुंजी (never "की", which reads as the postposition)
    ("की की", "की कुंजी"),
    ("फ़ील्ड की से मैप", "फ़ील्ड की कुंजियों से मैप"),
    # value: मान (masc.)
    ("ऐसी वैल्यू जो", "ऐसे मान जो"),
    ("उसकी पुरानी और नई वैल्यू", "उसके पुराने और नए मान"),
    ("यूनिट्स की वैल्यू एक जैसी है", "यूनिटों के मान एक जैसे हैं"),
    ("उनकी वैल्यू स्टेज का डेटा बनती है", "उनके मान स्टेज का डेटा बनते हैं"),
    ("अलग वैल्यू", "अलग मान"),
    # history: इतिहास (masc.); unit table: यूनिट टेबल; marked: चिह्नित; units: यूनिट
    ("यूनिट की हिस्ट्री", "यूनिट के इतिहास"),
    ("हिस्ट्री", "इतिहास"),
    ("तालिका", "टेबल"),
    ("मार्क किया", "चिह्नित किया"),
    ("यूनिटें", "यूनिट"),
    ("कौन सी यूनिट्स में", "किन यूनिटों में"),
    ("यूनिट्स की वैल्यू", "यूनिटों की वैल्यू"),
    ("यूनिट्स", "यूनिट"),
    ("कौन सी यूनिटों में", "किन यूनिटों में"),
    ("} की यूनिटों", "} की यूनिट"),
    ("इसकी यूनिटों इस", "इसकी यूनिट इस"),
    ("पार्ट की यूनिटों, या", "पार्ट की यूनिट, या"),
    ("वाली यूनिटों", "वाली यूनिट"),
    ("उसकी पुराने और नए मान", "उसके पुराने और नए मान"),
    # यूनिट is feminine, as on the station screens (नई यूनिट, यूनिट फ़ेल हुई)
    ("के गिने गए यूनिट", "की गिनी गई यूनिट"),
    ("के गिनी गई यूनिट", "की गिनी गई यूनिट"),
    ("टेस्ट हुए यूनिट में से", "टेस्ट हुई यूनिटों में से"),
    ("पूरे हुए यूनिट", "पूरी हुई यूनिट"),
    ("पास हुए यूनिट", "पास हुई यूनिट"),
    # save: सेव करें (the word on the buttons of every other screen)
    ("सहेजा नहीं गया", "सेव नहीं हुआ"),
    ("सहेजी गई", "सेव की गई"),
    ("सहेजा गया", "सेव किया गया"),
    ("सहेजे गए", "सेव किए गए"),
    ("सहेजते", "सेव करते"),
    ("सहेजता", "सेव करता"),
    ("सहेजने", "सेव करने"),
    ("सहेजना", "सेव करना"),
    ("सहेजें", "सेव करें"),
    ("सहेजा", "सेव किया"),
    ("सहेजी", "सेव की"),
    ("सहेजे", "सेव किए"),
    ("सहेज", "सेव कर"),
]
# msgid-specific Hindi fixes (the product term in a place a word rule cannot see)
HI_EXACT = {
    "failed": "फ़ेल",
    "Released": "रिलीज़ किया",
    "%(count)s done": "%(count)s पूरी",
    "Defect code": "डिफ़ेक्ट कोड",
    "Remove the character %(name)s at position %(position)s: it cannot be printed.": (
        "स्थान %(position)s पर अक्षर %(name)s हटाएँ: इसे प्रिंट नहीं किया जा सकता।"
    ),
}

ES_RULES = [
    # part: parte (número de parte); pieza is feminine too, so articles stay
    (r"\bpiezas\b", "partes"),
    (r"\bPiezas\b", "Partes"),
    (r"\bpieza\b", "parte"),
    (r"\bPieza\b", "Parte"),
    # pass / fail as results: pasa / falla; a failed unit or stage: fallida
    (r"registrada como aprobada", "registrada como pasa"),
    (r"registró como aprobado", "registró como pasa"),
    (r"no tiene aprobado ni falla", "no tiene resultado pasa/falla"),
    (r"y apruebe ", "y pase "),
    (r"%\(usid\)s falló %\(failed\)s", "%(usid)s falló en %(failed)s"),
    (r"\baprobado\b", "pasa"),
    (r"\bAprobado\b", "Pasa"),
    (r"\bya está fallada\b", "ya está registrada como falla"),
    (r"\bfallada\b", "fallida"),
    (r"\bfalladas\b", "fallidas"),
    (r"\bfallado\b", "fallido"),
    # on hold: retenida (la unidad); hold as a noun: retención
    (r"\bSolo en retención\b", "Solo retenidas"),
    (r"\bEn retención\b", "Retenida"),
    # a sentence about "%(usid)s" agrees with el USID, as "registrado" does
    (r"(%\(usid\)s (?:ya |no )?)está retenida\b", r"\1está retenido"),
    (r"queda retenida\b", "queda retenido"),
    (r"%\(usid\)s no está terminada\b", "%(usid)s no está terminado"),
    # override: ajuste manual / ajustar manualmente (anular stays for voiding numbers)
    (r"Ajuste del supervisor", "Ajuste manual"),
    (r"un ajuste del supervisor", "un ajuste manual"),
    (r"Puede anular las etapas", "Puede ajustar manualmente las etapas"),
    (r"anulación registrada", "ajuste manual registrado"),
    (r"Ajustes del supervisor", "Ajustes manuales"),
    # done (a stage): completada, as the dashboards and exports say; finished (a unit): terminada
    (r"^Hecho \(una simple marca\)$", "Completada (una simple marca)"),
    (r"^Hecho$", "Completadas"),
    (r"\bcomo hecha\b", "como completada"),
    (r"\bcomo hechas\b", "como completadas"),
    (r"\bestá hecha\b", "está completada"),
    (r"\bestán hechas\b", "están completadas"),
    (r"aún no está hecho\b", "aún no está completada"),
    (r"aún no hechas\b", "aún no completadas"),
    (r"^filas hechas$", "filas procesadas"),
    (r"USID o n\.º de etiqueta exacto", "USID o n.º de tag exacto"),
    (r"ningún USID ni etiqueta\.", "ningún USID ni tag."),
    (r"escanee la etiqueta de (%\(|<strong>)", r"escanee la etiqueta de tag de \1"),
    (r"escanea la etiqueta de la unidad", "escanea la etiqueta de tag de la unidad"),
    (
        r"Parte de un USID o de una etiqueta lista las unidades que la contienen",
        "Parte de un USID o de un tag lista las unidades que lo contienen",
    ),
    # waiting: en espera
    (r"^Los que esperan$", "En espera"),
    (r"esperando retrabajo", "en espera de retrabajo"),
    (r"^Ajuste manual: deshecho$", "Ajuste manual: deshecha"),
]
ES_EXACT = {
    # tag (the second label, tag_no): "tag", so it never reads as a printed label (etiqueta)
    "tag no.": "n.º de tag",
    "Tag": "N.º de tag",
    "Tags": "Tags",
    "USID or tag": "USID o tag",
    "tag %(tag)s": "tag %(tag)s",
    "tag none": "sin tag",
    "pairs tags": "empareja tags",
    "pairs tag labels": "empareja etiquetas de tag",
    "Scan the tag": "Escanee el tag",
    "%(usid)s / tag %(tag_no)s": "%(usid)s / tag %(tag_no)s",
    "Scan or type a USID or tag, or a part of one": (
        "Escanee o escriba un USID o un tag, o parte de uno"
    ),
    "%(usid)s is paired with tag %(tag_no)s, not %(sent)s.": (
        "%(usid)s está emparejado con el tag %(tag_no)s, no con %(sent)s."
    ),
    "Tag %(tag_no)s is already paired with %(usid)s.": (
        "El tag %(tag_no)s ya está emparejado con %(usid)s."
    ),
    "Override": "Ajuste manual",
    "Waiting to send": "Por enviar",
    "Dead-lettered": "No entregado",
    "Remove the character %(name)s at position %(position)s: it cannot be printed.": (
        "Quite el carácter %(name)s de la posición %(position)s: no se puede imprimir."
    ),
}


def apply_rules(text, rules, regex):
    for old, new in rules:
        text = re.sub(old, new, text) if regex else text.replace(old, new)
    return text


def fix(entry_text, lang):
    if lang == "hi":
        return unicodedata.normalize("NFC", apply_rules(entry_text, HI_RULES, regex=False))
    return apply_rules(entry_text, ES_RULES, regex=True)


def main():
    dry = "--dry-run" in sys.argv
    for lang, exact in (("hi", HI_EXACT), ("es", ES_EXACT)):
        changed = 0
        for domain in ("django", "djangojs"):
            path = BASE / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"
            po = polib.pofile(str(path), wrapwidth=79)
            changed_here = 0
            for entry in po:
                if entry.obsolete:
                    continue
                before = (entry.msgstr, dict(entry.msgstr_plural))
                if entry.msgid_plural:
                    for k, v in entry.msgstr_plural.items():
                        entry.msgstr_plural[k] = fix(v, lang)
                elif entry.msgid in exact:
                    entry.msgstr = exact[entry.msgid]
                else:
                    entry.msgstr = fix(entry.msgstr, lang)
                if (entry.msgstr, dict(entry.msgstr_plural)) != before:
                    changed_here += 1
                    if dry:
                        print(lang, repr(entry.msgid[:70]))
                        print("   -", before[0] or before[1])
                        print("   +", entry.msgstr or dict(entry.msgstr_plural))
            changed += changed_here
            if changed_here and not dry:
                po.save(str(path))
        print(lang, "msgstr changed:", changed)


if __name__ == "__main__":
    main()
