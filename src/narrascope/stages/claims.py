"""The `claims` stage: check-worthy claims with offsets, attributed quotes,
and their matches in the fact-check / counter-narrative library.

Candidates are the article's sentences; heads trained on ClaimBuster and
CLEF 2020 (English) score check-worthiness: character n-grams averaged with a
head over multilingual USE vectors for English, the USE head alone for the
other languages USE reads, a head over multilingual-e5 vectors for the rest
(``CheckworthyModel.route``). When the corpus has a
library, each check-worthy claim gets its best entries (hybrid BM25 + dense
retrieval, with the matched passage), and counter-narrative entries are
suggested when the article's claims match them or when the article's
narratives are the ones they answer, with the connecting sentences.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from ..article import Article
from ..config import Settings, StrictModel, stage_config
from ..models import artifact_digest, read_artifact
from ..models.charngram import CharNgramTfidf, sparse_dot
from ..models.narrative import sigmoid
from ..text import DEVANAGARI, russian_morphology, words
from .base import Stage

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "models" / "checkworthy"


class CheckworthyModel:
    """Check-worthiness heads (``train.checkworthy``): character n-grams for
    the language the model was trained on (English), logistic heads over
    multilingual sentence vectors (USE, e5) for the others. A v1 model (one
    n-gram head) still loads."""

    def __init__(self, folder: Path) -> None:
        meta, a = read_artifact(folder, "check-worthiness")
        self.tfidf = CharNgramTfidf.from_arrays(a)
        self.W = a["W"].astype(np.float32)[None, :]
        self.b = float(meta["bias"])
        self.threshold = float(meta["threshold"])  # the training language's route
        self.heads = {name: (a[f"W_{name}"].astype(np.float32), float(h["bias"]))
                      for name, h in meta.get("heads", {}).items() if f"W_{name}" in a}
        self.thresholds: dict[str, float] = {"ngram": self.threshold, **meta.get("thresholds", {})}
        self._encoders: dict[str, Any] = {}
        self.card = meta.get("card", {})
        # ClaimBuster and CLEF 2020 are English: the n-gram head reads the card's languages
        self.languages: list[str] = list(self.card.get("languages", ["en"]))

    def _embedder(self, name: str) -> Any:
        # tried once per model: get_embedder caches an encoder, not a missing extra, whose import would
        # otherwise be attempted again for every article routed to it
        if name not in self._encoders:
            from ..embed import optional_embedder

            self._encoders[name] = optional_embedder(name) if name in self.heads else None
        return self._encoders[name]

    def route(self, language: str | None) -> tuple[str, bool]:
        """(the heads that score an article in ``language``, joined by "+";
        whether they read that language). The training language: n-grams and
        USE averaged; a language USE reads: USE; any other: e5 (which reads
        some hundred languages) where ``narrascope[e5]`` is installed, else
        the training language's route, which does not read it."""
        own = "ngram+use" if "ngram+use" in self.thresholds and self._embedder("use") is not None else "ngram"
        if not language or language == "und" or language in self.languages:
            return own, True
        use = self._embedder("use")
        if use is not None and use.languages is not None and language in use.languages:
            return "use", True
        if self._embedder("e5") is not None:
            return "e5", True
        return own, False

    def score(self, texts: list[str], route: str = "ngram") -> np.ndarray:
        """Probabilities of the route's heads, averaged."""
        parts = route.split("+")
        out = np.zeros(len(texts), dtype=np.float32)
        for head in parts:
            if head == "ngram":
                logits = np.array([float(sparse_dot(self.W, *self.tfidf.transform_one(t))[0]) for t in texts], np.float32) + self.b
            else:
                W, b = self.heads[head]
                logits = self._embedder(head).encode(texts) @ W + b
            out += sigmoid(logits)
        return out / len(parts)

    def missing(self, language: str | None) -> str:
        """What to install so that an unread ``language`` is read."""
        if "e5" in self.heads:
            return f"the check-worthiness model reads {language or 'this language'} with multilingual-e5: pip install 'narrascope[e5]'"
        return f"the check-worthiness model was trained on {', '.join(self.languages)} only"


_SPEECH = r"(?:said|says|wrote|writes|added|adds|stressed|noted|told|stated|states|argued|warned|claimed|claims|insisted|continued|explained)"
# where a speaker ends: punctuation, but not the full stop of a title or an initial ("according to Dr. Patrick
# Moore" was "Dr"; "John F. Kennedy", "U.S. officials")
_TITLES = ("Dr", "Mr", "Ms", "Mrs", "Prof", "Sen", "Gov", "Rep", "Gen", "Col", "Lt", "Capt", "Rev", "St", "Jr", "Sr")
_SPEAKER_END = r"(?=[,;:]|$|" + "".join(rf"(?<!\b{t})" for t in _TITLES) + r"(?<!\b[A-Z])\.)"
# a quotation, or the end of one opened sentences before ('… harvests in September,” said Margot Vandervelden'),
# closed by its mark or by an opening one typed after its comma ('… fossil fuels,“ Moore said.')
_QUOTE = r"(?:[\"“][^\"”“]{8,}|^[^\"“”]{8,}(?<=[,.!?…]))(?:[\"”]|(?<=,)“)"
_QUOTE_AFTER = re.compile(_QUOTE + r",?\s+" + _SPEECH + r"\s+(?P<speaker>(?:the |a )?[\w.'’ -]{2,60}?)" + _SPEAKER_END)
# an adverb or auxiliary between the speaker and the verb is no part of the speaker ("Volker pointedly
# told", "Vulin has said", "Vulin has often said", "Putin has now boldly stated")
_ADVERB = (r"(?:(?:has|have|had|also|again|further|often|once|then|now|just|already|still|since|finally|later|previously|"
           r"reportedly|repeatedly|\w+ly)\s+)*")
_QUOTE_SUBJ = re.compile(_QUOTE + r",?\s+(?P<speaker>(?:the |a )?[\w.'’ -]{2,60}?)\s+" + _ADVERB + _SPEECH + r"\b")
_SUBJ_SAID = re.compile(r"^(?P<speaker>(?:the |a )?[A-Z][\w.'’ -]{1,60}?)\s+" + _ADVERB + _SPEECH + r"\b")
# "states" and "claims" are nouns before these ("The Baltic states of …", "claims of a climate emergency")
_NOUN_NOT_VERB = re.compile(r"(?<=states|claims)\s+(?:of|have|had|are|were|and|or|in|on|about|from|with|which|who|we|you|they)\b")
# a name and what the person is, before the verb ("Felix Goltz, research director at Scientific Beta told the
# Financial Times: …", "Dmitry Peskov, the Kremlin's spokesman, said")
_NAME_APPOSED_SAID = re.compile(r"^(?P<speaker>[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}),\s+(?:a |an |the )?[a-z][^,;:\"“”]{2,80}?,?\s+"
                                + _ADVERB + _SPEECH + r"\b")
# where and to whom, before the speaker ("Speaking to reporters in Paris, the U.S. special envoy said …")
_LEAD_PHRASE = re.compile(r"^(?:(?:Speaking|Writing|Talking|Addressing|Testifying|Appearing)\s+[^,]{2,100}"
                          # ... or a sentence adverb ("However, the Victorian Police said …": "However" was the speaker)
                          r"|However|Meanwhile|Afterwards|Next|Apparently|Moreover|Furthermore|Additionally|Still|Indeed|"
                          r"Instead|Later|Earlier|Nonetheless|Nevertheless|Finally|Separately|Similarly|Likewise|Overall|"
                          r"Now|Today|Yesterday|Thus|Hence|Therefore|Consequently|Notably|Importantly|In addition|In turn|"
                          r"At the same time|On the other hand|In response),\s+")
_ACCORDING_LEAD = re.compile(r"^According to [^,]{2,80},\s+")
_ACCORDING = re.compile(r"\baccording to (?P<speaker>[\w.'’ -]{2,80}?)" + _SPEAKER_END, re.I)


def attribute(sentence: str, language: str | None = None) -> str | None:
    """The speaker a sentence attributes a quote or claim to, if stated
    (English; Russian, Bulgarian, Portuguese, French, Italian and Spanish in :func:`_attribute_other`;
    Hindi in :func:`_attribute_hindi`)."""
    if language in _OTHER_SPEECH:
        return _attribute_other(sentence, language)
    if language == "hi":
        return _attribute_hindi(sentence)
    lead = _LEAD_PHRASE.match(sentence)
    if lead is not None:
        sentence = sentence[lead.end():]
    source = _ACCORDING_LEAD.match(sentence)
    if source is not None:
        # "According to a press release issued here, she said that …": who said it follows the source
        rest = sentence[source.end():]
        said = attribute(rest[:1].upper() + rest[1:], language)
        if said:
            return rest[:len(said)] if rest[:len(said)].lower() == said.lower() else said  # "she", as written
    # "member states", "the United States" are nouns ("The collaboration between member states includes …" was
    # "The collaboration between member"): masked for the subject's pattern, the same length
    masked = _STATES_NOUN.sub(lambda w: w.group().replace(" ", "_"), sentence)
    for rx in (_QUOTE_AFTER, _QUOTE_SUBJ, _ACCORDING, _SUBJ_SAID, _NAME_APPOSED_SAID):
        m = rx.search(masked if rx is _SUBJ_SAID else sentence)
        if m and rx is _SUBJ_SAID and _NOUN_NOT_VERB.match(sentence, m.end()):
            continue  # "The Baltic states of Lithuania … have said": "states" is a noun
        if m and rx is _ACCORDING and _SUBJ_SAID.search(masked[:m.start()]):
            continue  # "He said, according to several Russian news outlets": who said it is named first
        if m:
            words = sentence[m.start("speaker"):m.end("speaker")].strip(" ,").split()
            # "But he added", "As Gonzalez argued": the conjunction is no part of the speaker ("As already
            # noted" has none); nor have '… accused Russia “of plunder” and even claimed that …', "That
            # said,", "But what values is Biden talking about when he says that?" and "The claims were …"
            stripped = False
            while words and words[0].lower() in _LEADING:
                words, stripped = words[1:], True
            if words and words[0].lower() in _PREPOSITIONS or _QUANTIFIED.match(" ".join(words)):
                continue  # "From making several claims about nuclear weapons, …": a phrase, no speaker
            # a clause before the speaker's ("Putin's remarks come after President Biden said"): the speaker
            # follows its conjunction
            sub = max((k for k, w in enumerate(words[:-1]) if k > 0 and w.lower() in _SUBORDINATORS), default=None)
            if sub is not None and (words[sub + 1][:1].isupper() or words[sub + 1].lower() in _PRONOUNS):
                words = words[sub + 1:]
            if rx is _ACCORDING and words and words[0].lower() not in {"a", "an"}:
                # a participle after the source starts what it does ("according to globalists pushing
                # population replacement scheme" is "globalists"; after "a" it is a compound's: "a weapons
                # tracking account")
                ing = next((k for k, w in enumerate(words) if k > 0 and w.islower() and len(w) > 5 and w.endswith("ing")), None)
                words = words if ing is None else words[:ing]
            if (words and len(words) <= 8 and (len(words) == 1 or words[-1].lower() not in _TRAILING)
                    and not (len(words) == 1 and words[0] in _NO_SPEAKER)
                    and not (stripped and not any(w[:1].isupper() or w.lower() in _PRONOUNS for w in words))
                    and not any(w in _CLAUSE for w in words)):
                # "As I’ve said before": the pronoun, not its auxiliary
                return _CONTRACTED.sub(r"\g<pronoun>", _SPEAKER_TAIL.sub("", _SPEAKER_DATELINE.sub("", " ".join(words))))
    return None


_STATES_NOUN = re.compile(r"\b(?:member|united|baltic|gulf|arab|nordic|western|european|african|island|sovereign|"
                          r"neighbou?ring|frontline|eu|nato|g7|g20) states\b", re.I)
_CONTRACTED = re.compile(r"^(?P<pronoun>I|[Ww]e|[Tt]hey|[Yy]ou)['’](?:ve|d|ll)$")
# a wire dateline before the speaker ("LAHORE - Punjab Information Minister Azma Bukhari has said")
_SPEAKER_DATELINE = re.compile(r"^[A-Z]{3,}(?:\s+[A-Z]{3,})*\s*[-–—]+\s*(?=[A-Z])")
# where or when it was said, after the speaker ("said Biden in a statement", "Sinara Investment Bank in a note",
# "Russia on Monday")
_SPEAKER_TAIL = re.compile(r"(?<=\w)\s+(?:(?:in|on)\s+(?:a|an|his|her|its|their)\s+(?:fresh\s+)?(?:statement|note|interview|post|"
                           r"tweet|letter|speech|video|address|remarks)\b.*|on\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
                           r"Saturday|Sunday)|(?:last|this)\s+(?:week|month|year|weekend)|yesterday)$")


# A pronoun speaker is the person the sentences before last quoted: "Raupp said …" then '"The bugs …," he said'
# (182 of 869 English speakers in the SemEval-2025 articles were "he", "she" …).
_PERSONAL = {"en": {"he", "she"}, "ru": {"он", "она"}, "bg": {"той", "тя"}, "pt": {"ele", "ela"}, "hi": {"उन्होंने", "इन्होंने"}}
RESOLVE_BACK = 6  # sentences a pronoun looks back for its speaker
# Devanagari has no capitals to tell a name in a sentence between: Hindi looks at the sentence before only
_RESOLVE_BACK_CASELESS = {"hi": 1}


# words before a capitalised word that do not make it a name ("The United …", "В Шебекине …")
_NOT_NAME_OPENER = {"the", "a", "an", "in", "on", "at", "but", "and", "this", "that", "after", "as", "for", "from", "when",
                    "в", "на", "и", "по", "с", "от", "за", "но", "а", "o", "os", "as", "em", "no", "na", "e", "de", "um", "uma"}


# quotations, and the end of one opened sentences before
_QUOTED = re.compile(r"^[^\"“”«»„]*(?:[”»]|(?<=[,.!?…])\")|[\"“«„][^\"”»“]*(?:[\"”»“]|$)")


def _names_before(sentence: str, pronoun: str) -> bool:
    """Whether a sentence names someone before its speaker ``pronoun``, outside
    quotations ("But Putin's spokesman Dmitry Peskov rejected the allegations:
    '…,' he said"); what follows it is what was said ("He said that … Horizon
    Europe …")."""
    at = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(pronoun)}(?!\w)", sentence)]
    if at and DEVANAGARI.search(sentence):
        # no capitals to find a name by: only a pronoun opening its sentence, after a conjunction at most
        # ("साथ ही उन्होंने …"), is resolved ("… एक अधिकारी की तरह ही उन्होंने …" names someone)
        return len(words(sentence[:at[-1]])) > 2
    return bool(at) and _names_someone(_QUOTED.sub(" ", sentence[:at[-1]]))


def _names_someone(sentence: str) -> bool:
    """Whether a sentence names someone a pronoun after it could mean: two
    capitalised words in a row ("Syed Ashiq Kirmani also distributed …",
    "… Finnish Prime Minister Petteri Orpo."). Places count too ("New
    York"): resolving less often is the safe side."""
    ws = words(sentence)
    for k in range(len(ws) - 1):
        if ws[k][:1].isupper() and ws[k + 1][:1].isupper() and not (k == 0 and ws[0].lower() in _NOT_NAME_OPENER):
            return True
    return False


def resolve_speakers(sentences: list[str], speakers: list[str | None], language: str | None) -> list[tuple[str | None, str | None]]:
    """Each sentence's speaker with a personal pronoun ("he") replaced by the
    speaker of the nearest sentence before it that has one (a name or a
    description: "the U.S. special envoy"), as ``(speaker, pronoun)``; the
    pronoun is kept apart when it was replaced. It stays a pronoun when that
    sentence is more than ``RESOLVE_BACK`` sentences back, when a sentence
    between names someone else (who may be the one meant: "… warned
    Belarusian President Alexander Lukashenko. He said …"), when its own
    sentence names someone before it (:func:`_names_before`), or when the
    nearest speaker is a pronoun left unresolved. Read on SemEval-2025
    articles: the nearest speaker alone was right in 13 of 20 English
    samples, wrong where someone named in between was meant; with these
    checks, in 22 of 25."""
    pronouns = _PERSONAL.get(language or "", set())
    out: list[tuple[str | None, str | None]] = []
    for i, sp in enumerate(speakers):
        if sp is None or sp.lower() not in pronouns or _names_before(sentences[i], sp):
            out.append((sp, None))
            continue
        name = None
        for j in range(i - 1, max(-1, i - 1 - _RESOLVE_BACK_CASELESS.get(language or "", RESOLVE_BACK)), -1):
            prev, was = out[j]
            if prev:
                if was is not None or prev.lower() not in _PRONOUNS | pronouns:
                    name = prev
                break
            if _names_someone(sentences[j]):
                break
        out.append((name, sp) if name else (sp, None))
    return out


_SUBORDINATORS = {"after", "before", "since", "because", "although", "though", "while", "until", "unless", "once"}
_LEADING = {"and", "but", "or", "nor", "so", "yet", "even", "also", "then", "as", "although", "though", "while"}
_QUANTIFIED = re.compile(r"^(?:Much|Many|Some|Most|All|None|Few|Several|Each|Both)\s+of\b")  # "Much of the panic-inducing claims"
_TRAILING = {"and", "or", "but", "nor", "the", "a", "an", "of", "all", "its", "their", "his", "her", "our", "my",  # "Almost all the claims …"
             "several", "many", "some", "these", "those", "such", "numerous", "multiple", "other", "few", "most", "both"}
_PREPOSITIONS = {"from", "in", "after", "with", "for", "by", "on", "at", "despite", "before", "during", "without", "about",
                 "over", "under", "to", "of", "into", "through", "against", "among", "between", "beyond", "like", "unlike"}
_NO_SPEAKER = {"That", "that", "This", "this", "which", "who", "The", "the", "A", "a", "An", "an"}
_PRONOUNS = {"he", "she", "they", "i", "we", "it", "you", "the", "a", "an", "his", "her", "my", "our", "their", "its"}
# a clause, or a passive or copula ("It is said …", "The pathway was said to be …", "It is not the first time
# Holsether has warned"): no speaker
_CLAUSE = {"when", "if", "what", "why", "how", "where", "whether", "is", "was", "are", "were", "be", "been", "being"}


# Speech verbs (past tense, both genders and numbers; a news agency's present,
# "пишет ТАСС") and "according to" of the other SemEval-2025 languages but Hindi.
_OTHER_SPEECH = {
    "ru": (r"(?:заявил|сказал|сообщил|отметил|подчеркнул|добавил|написал|пояснил|рассказал|признал|заметил|уточнил|напомнил|"
           r"указал|объяснил|ответил|предупредил|констатировал)(?:а|о|и)?"
           r"|(?:сообщает|пишет|передает|передаёт|отмечает|заявляет|говорит|считает)"),  # ", пишет ТАСС"
    "bg": (r"(?:заяви|каза|посочи|подчерта|добави|написа|обясни|отбеляза|обяви|съобщи|допълни|поясни|предупреди|изтъкна|"
           r"коментира|отговори|призна)(?:ха|л|ла|ли)?|(?:пише|казва|твърди|съобщава)"),
    "pt": (r"(?:disse|afirmou|declarou|acrescentou|sublinhou|referiu|escreveu|defendeu|garantiu|explicou|alertou|"
           r"avisou|salientou|frisou|adiantou|insistiu|reiterou|lembrou|indicou|anunciou|revelou|comentou|respondeu|concluiu)"
           r"|(?:disseram|afirmaram|declararam|acrescentaram|sublinharam|garantiram)"
           r"|(?:diz|afirma|escreve|refere)"),
    # French, Italian and Spanish say it with an auxiliary too ("Macron a déclaré", "Meloni ha detto", "Sánchez ha
    # dicho"). Not German: it capitalises every noun and puts the verb second, so an adverb or noun before the verb
    # ("Damit meint er", "Vermutlich meinte sie", "zu einer Ware erklärt") read as the speaker in 7 of 20 sampled
    "fr": (r"(?:a|ont|avait|avaient)\s+(?:déclaré|dit|affirmé|ajouté|souligné|expliqué|indiqué|annoncé|estimé|assuré|"
           r"écrit|averti|rappelé|précisé|répondu|reconnu|insisté)|(?:déclare|affirme|ajoute|souligne|explique|estime|"
           r"assure|écrit|rappelle|précise|dit|déclarent|affirment)"),
    "it": (r"(?:ha|hanno|aveva|avevano)\s+(?:detto|dichiarato|affermato|aggiunto|sottolineato|spiegato|scritto|"
           r"annunciato|ricordato|precisato|avvertito|risposto|ammesso)|(?:dice|afferma|dichiara|sottolinea|spiega|"
           r"scrive|aggiunge|disse|dichiarò|affermò|aggiunse|spiegò|scrisse)"),
    "es": (r"(?:ha|han|había|habían)\s+(?:dicho|declarado|afirmado|añadido|señalado|explicado|asegurado|escrito|"
           r"advertido|indicado|anunciado|reconocido)|(?:dijo|afirmó|declaró|añadió|señaló|explicó|aseguró|escribió|"
           r"advirtió|indicó|anunció|reconoció|subrayó|apuntó|manifestó|dice|afirma|asegura|señala|explica|sostiene)"),
}
_OTHER_ACCORDING = {"ru": r"(?:[Пп]о (?:словам|мнению|данным))", "bg": r"(?:[Сс]поред|[Пп]о думите на)",
                    "pt": r"(?:[Ss]egundo|[Dd]e acordo com)", "fr": r"(?:[Ss]elon|[Dd]['’]après)",
                    "it": r"(?:[Ss]econdo|[Aa] detta di)", "es": r"(?:[Ss]egún|[Dd]e acuerdo con)"}
# A capitalised word that opens a sentence and is no part of the speaker after
# it ("Ранее Стубб сказал"), or no speaker at all ("Как уточнили в министерстве",
# "Това заяви …": "this was said by").
_OTHER_OPENERS = {"ранее", "однако", "также", "затем", "так", "тогда", "позже", "вчера", "сегодня", "как", "это", "этот",
                  "още", "също", "по-рано", "днес", "след", "това", "този", "тя", "já", "ontem", "hoje", "entretanto",
                  "depois", "mas", "isto", "isso", "assim",
                  # French, Italian, Spanish
                  "mais", "puis", "ensuite", "hier", "aujourd'hui", "ainsi", "cependant", "ma", "poi", "ieri", "oggi",
                  "così", "tuttavia", "pero", "luego", "ayer", "hoy", "así", "sin"}
# No speaker: a pronoun of the first or second person, an elided preposition ("J’avais écrit", "All’epoca aveva
# dichiarato"), a gerund ("ha detto riferendosi alle politiche …")
_NOT_SPEAKER_WORD = re.compile(
    r"(?:moi|toi|lui|nous|vous|eux|je|tu|io|noi|voi|yo|tú|sì|sí)$|(?:j|all|dell|nell|sull|dall|qu)['’]"
    r"|\w+(?:ando|endo)(?:si|ne|lo|la|gli)?$", re.I)
# Articles before a speaker's name, in the speaker's language ("O Kremlin disse", "La Moncloa ha dicho"; a
# Bulgarian article's "Der Spiegel" keeps its "Der")
_ARTICLES_OF = {"pt": {"o", "a", "os", "as", "um", "uma"}, "fr": {"le", "la", "les", "l'", "l’", "un", "une"},
                "it": {"il", "lo", "la", "i", "gli", "le", "l'", "l’", "un", "una", "uno"},
                "es": {"el", "la", "los", "las", "un", "una"}}
_RU_OBLIQUE = re.compile(r"(?:ом|ым|им|ой|ому|ему|ого|его|ии)$")
# The word before a place or thing that the verb follows ("в Украине заявили": "in Ukraine they said").
_PREPOSITION = {"в", "во", "на", "из", "от", "у", "к", "с", "по", "за", "о", "об", "при", "пред", "до", "em", "no", "na",
                "nos", "nas", "de", "do", "da", "dos", "das", "para", "com", "por", "pelo", "pela",
                "à", "au", "aux", "en", "dans", "du", "des", "in", "nel", "nella", "al", "alla", "del", "della"}
# (no "a", "el": articles in Portuguese and Spanish)
# No office's first word: conjunctions, particles, prepositions, adverbs of time ("И тут же The Asia Times пишет",
# "Не случайно Эрдоган", "Но в понеделник г-н Песков", "Както самият Джордж Клуни")
_OFFICE_NOT_FIRST = {"и", "а", "но", "при", "не", "по", "вместе", "перед", "после", "тем", "когда", "если", "затем", "потом",
                     "кроме", "хотя", "поэтому", "сейчас", "теперь", "уже", "вот", "даже", "зато", "причем", "притом",
                     "для", "из", "от", "до", "за", "у", "к", "с", "со", "тут", "там", "здесь", "лишь", "только", "през",
                     "преди", "както", "освен", "вече", "тогава", "сега", "във", "със", "към", "когато", "ако", "обаче",
                     "дори", "само", "тази", "тези", "e", "mas", "antes", "porém", "contudo", "com", "sem", "segundo"}
# nor a preposition inside it, but a genitive's ("Министерството на отбраната на Русия", "Ministério da Defesa"):
# "Посол в Нидерландах", "Орбан после встречи с Путиным" are left to pattern 3
_OFFICE_NOT_INSIDE = {"в", "во", "с", "со", "из", "из-под", "от", "у", "к", "по", "при", "за", "о", "об", "до", "после",
                      "перед", "через", "под", "над", "между", "след", "пред", "към", "със", "във", "em", "no", "na",
                      "nos", "nas", "para", "com", "por", "pelo", "pela", "após", "durante", "тут", "же", "этим"}
# A phrase after the verb that is no speaker: what was said ("afirmou que …", "заявил, что …") or when.
# A relative pronoun is none either: "според които …", "по мнению которых", "segundo os quais" (according to whom).
_NOT_SPEAKER_START = re.compile(r"(?:что|о|об|в|на|ранее|также|ещё|еще|че|за|още|също|que|ainda|também|já|hoje|ontem|"
                                r"ao|à|aos|em|no|na|para|котор\w*|които|който|която|което|quem|qual|quais|os quais|as quais|"
                                # French, Italian, Spanish: relatives, impersonal subjects ("Se ha dicho", "On a dit"),
                                # conjunctions and adverbs ("Autrement dit", "Come ha ricordato", "Même si X déclare")
                                r"qui|dont|che|cui|quien|quienes|se|si|on|ce|cela|ça|esto|eso|ello|questo|ciò|autrement|"
                                r"come|comme|como|según|selon|secondo|hoy|ayer|oggi|ieri|e|ed|et|y|quanto|da|quando|mentre|"
                                r"cuando|quand|lorsque|même)\b", re.I)
# Where and when it was said, after the speaker's name ("Ральф Сирен в интервью Yle", "Lula em entrevista à
# rádio", "Кобахидзе на пресконференция"): a preposition after a capitalised word ("министърът на
# отбраната" is the speaker's office)
_SAID_WHERE = {"в", "во", "на", "после", "перед", "пред", "em", "durante", "numa", "num", "à", "ao", "às", "aos"}
_AND = {"и", "e", "et", "y"}
_OWN = {"си", "свой", "своей", "своем", "своём", "своих", "своим", "seu", "sua", "seus", "suas"}  # reflexive possessives
_ABOUT = {"за", "о", "об", "sobre"}
# ... in French, Italian and Spanish ("ha detto Renzi per giustificare …", "selon Simonyan au Daily Beast")
_ROMANCE = ("fr", "it", "es")
_SAID_WHERE_ROMANCE = _SAID_WHERE | {"selon", "según", "secondo", "per", "sur", "su", "al", "alla", "au", "aux", "dans", "en",
                                     "pendant", "nel", "nella", "a", "in", "con", "avec"}
_SPEAKER_TEXT = r"[^.,;:!?«»\"“”()\[\]]{2,70}?"
# An outlet named in quote marks ("съобщи „Гардиън“", "сообщает «Коммерсант»")
_OPEN, _CLOSE = r"[„«\"“]?", r"[“»\"”]?"
_NAME_WORD = r"[A-ZА-ЯЁ][\w’'.-]*"
_NAMES = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"


@lru_cache(maxsize=None)
def _other_patterns(language: str) -> list[re.Pattern[str]]:
    verb = f"(?:{_OTHER_SPEECH[language]})"
    end = r"(?=\s*[.,;:!?(]|\s*$)"
    return [
        # 0 "Об этом (в интервью изданию Украина.ру) сообщил X", "Това каза X": "this was said by X"
        re.compile(rf"^\W*(?:[Оо]б этом|Това)\b.*?\b{verb}\s+{_OPEN}(?P<speaker>{_SPEAKER_TEXT}){_CLOSE}{end}"),
        # 1 "«…», — заявил X.", '"…", disse X', "…, заяви X"
        re.compile(rf"(?:[»\"”]\s*,?\s*[—–-]*|,\s*[—–-]*)\s*{verb}\s+{_OPEN}(?P<speaker>{_SPEAKER_TEXT}){_CLOSE}{end}"),
        # 2 "Министерство иностранных дел ПМР заявило", "Министерството на отбраната на Русия съобщи", "Премиерът на
        #   Грузия Кобахидзе каза": opening the sentence, an office or body named by a capitalised noun and lower-case
        #   words before its owner's name (pattern 3 took the owner alone: "ПМР", "Грузия Кобахидзе")
        re.compile(rf"^\W*(?:(?:O|A|Os|As)\s+)?(?P<speaker>{_NAME_WORD}(?:\s+[a-zа-яёà-ÿ][\w-]*){{1,3}}(?:\s+{_NAME_WORD}(?:\s+[a-zа-яёà-ÿ]{{1,3}})?){{0,2}}"
                   rf"\s+{_NAME_WORD})\s+(?:(?:ранее|уже|также|вновь|още|също така|също|отново|ainda|também|já)\s+)?{verb}\b(?!\s+[A-ZА-ЯЁ])"),
        # 3 "Лавров (также) заявил": capitalised words before the verb, unless a name follows it (inversion: 4)
        re.compile(rf"(?P<speaker>{_NAMES})\s+(?:(?:ранее|уже|также|вновь|още|също така|също|отново|ainda|também|já)\s+)?{verb}\b(?!\s+[A-ZА-ЯЁ])"),
        # 4 "… ранее заявили Румыния и Нидерланды"
        re.compile(rf"\b{verb}\s+(?P<speaker>{_NAMES})"),
        # 5 "По словам главы региона, …", "Segundo o Governo turco, …": up to the comma
        re.compile(rf"{_OTHER_ACCORDING[language]}\s+(?P<speaker>{_SPEAKER_TEXT})(?=\s*[,;:(])"),
        # 6 "Според Зеленски войната …": no comma, a name
        re.compile(rf"{_OTHER_ACCORDING[language]}\s+(?P<speaker>{_NAMES})"),
    ]


def _ru_form(vocab: Any, word: str, pos: str, case: str, animate: bool = False) -> Any:
    """The first reading of ``word`` as ``pos`` in ``case`` (animate if asked), or None."""
    return next((f for f in vocab.parse(word) if f.pos == pos and f.feats.get("Case") == case
                 and (not animate or f.feats.get("Animacy") == "Anim")), None)


def _ru_owner_then_person(words: list[str]) -> bool:
    """Whether capitalised words are an office's owner in the genitive, then
    a person's first name and surname ("Президента РФ Дмитрий Песков",
    "Совбеза РФ Дмитрий Медведев", "Офиса Зеленского Игорь Жовква": the
    lower-case office before them is left out of the speaker). Read with
    natasha's morphology; without it, no."""
    vocab = russian_morphology()
    if vocab is None or not all(w[:1].isupper() for w in words):
        return False

    def nominative(word: str, animate: bool = False) -> bool:
        return _ru_form(vocab, word, "NOUN", "Nom", animate) is not None
    return (not nominative(words[0]) and nominative(words[-2], animate=True) and nominative(words[-1])
            and not words[-2].isupper() and not words[-1].isupper())


def _ru_nominative(phrase: str) -> str:
    """A Russian speaker after "по словам" / "по мнению" / "по данным", which
    takes the genitive, in the nominative: its head (adjectives and a noun:
    "белорусского лидера" → "белорусский лидер", "Пескова" → "Песков",
    "военного" → "военный"), lower-case words after it as they are (what
    they depend on: "главаря киевского режима" → "главарь киевского
    режима") and, after those, one capitalised word as it is ("председателя
    КНР") or a person's name of two or more, inflected only if every word
    reads as an animate noun ("губернатора Вячеслава Гладкова" →
    "губернатор Вячеслав Гладков"). When a part cannot be read so, the
    phrase stays as written (the genitive is understood; a half-inflected
    phrase is not): "министра обороны Швеции Пола Йонсона"."""
    vocab = russian_morphology()  # None without the ner extra: the speaker stays as written
    words = phrase.split()
    if vocab is None or not words:
        return phrase

    def gen(word: str, pos: str, anim: bool = False) -> Any:
        return _ru_form(vocab, word, pos, "Gen", anim)

    def as_written(word: str, form: Any) -> str:
        return form.word[:1].upper() + form.word[1:] if word[:1].isupper() else form.word

    head = 0
    while head < len(words) and words[head][:1].islower() and gen(words[head], "ADJ") is not None:
        head += 1
    noun = gen(words[head], "NOUN") if head < len(words) else None
    if noun is None:
        if head != len(words) or not head:
            return phrase
        noun_feats = {"Masc", "Sing"}  # an adjective alone stands for a person: "военного" → "военный"
    else:
        noun_feats = {noun.feats.get("Gender") or "Masc", noun.feats.get("Number") or "Sing"}
    out = []
    for w in words[:head]:
        form = gen(w, "ADJ")
        feats = {"Nom", "Plur"} if "Plur" in noun_feats else {"Nom", "Sing"} | (noun_feats - {"Sing"})
        inflected = form.inflect(feats) if form is not None else None
        if inflected is None:
            return phrase
        out.append(as_written(w, inflected))
    rest = words[head + 1:] if noun is not None else []
    if noun is not None:
        inflected = noun.inflect({"Nom"})
        if inflected is None:
            return phrase
        out.append(as_written(words[head], inflected))
    lower = 0
    while lower < len(rest) and rest[lower][:1].islower():
        lower += 1
    names = rest[lower:]
    # a person's name after the head ("губернатора Вячеслава Гладкова"), or the surname after a first name ("Марии
    # Захаровой")
    if len(names) >= 2 or names and not lower and noun is not None and words[head][:1].isupper():
        forms = [gen(w, "NOUN", anim=True) for w in names]
        nominative = [f.inflect({"Nom"}) if f is not None else None for f in forms]
        if any(x is None for x in nominative):
            return phrase
        names = [as_written(w, x) for w, x in zip(names, nominative)]
    return " ".join(out + rest[:lower] + names)


def _attribute_other(sentence: str, language: str) -> str | None:
    """A speaker in Russian, Bulgarian, Portuguese, French, Italian or Spanish: after a quotation and
    its speech verb ("«…», — заявил Песков", '"…", disse Patrushev'), after
    "this was said by" ("Об этом сообщил …", "Това заяви …"), before the verb
    ("Лавров заявил", "Orban afirmou que"), named right after it ("ранее
    заявили Румыния и Нидерланды"), or after "according to" ("по словам
    Пескова", "според Зеленски", "segundo o Governo turco"): the patterns
    in that order."""
    for k, rx in enumerate(_other_patterns(language)):
        for m in rx.finditer(sentence):
            words = m.group("speaker").strip(" —–-").split()
            if k == 2 and (words[0].lower() in _OTHER_OPENERS | _OFFICE_NOT_FIRST or _NOT_SPEAKER_START.match(words[0])
                           or any(w in _OFFICE_NOT_INSIDE for w in words[1:])):
                # "Ранее глава МИД России …", "А тази седмица Путин", "Орбан после встречи с Путиным написал":
                # pattern 3 reads it as before
                continue
            if k == 2 and len(words) > 1 and words[0].lower() in _ARTICLES_OF.get(language, set()):
                words = words[1:]  # "O líder da Lituânia disse": the article is no part of the office
            if k == 3:
                before = sentence[: m.start("speaker")].split()
                if before and before[-1].lower().strip("«\"“„(") in _PREPOSITION:
                    continue  # "в Украине заявили": a place, not who said it
                while len(words) > 1 and (words[0].lower() in _OTHER_OPENERS | _ARTICLES_OF.get(language, set())
                                          or language == "ru" and _RU_OBLIQUE.search(words[0])):
                    # "Ранее Стубб сказал", "O Kremlin disse"; a Russian name in another case is whom the
                    # speaker met or where ("… с Путиным и Владимиром Зеленским Орбан заявил", "Великобритании
                    # Риши Сунак")
                    words = words[1:]
                if len(words) == 3 and len(words[0]) > 1 and words[0].isupper() and all(
                        w[:1].isupper() and not w.isupper() for w in words[1:]):
                    # "представитель командования Воздушных сил ВСУ Юрий Игнат заявил": the acronym owns the
                    # office before it; the speaker is the person named after it (a longer run keeps its owner:
                    # "МИД Германии Анналена Бербок")
                    words = words[1:]
                elif language == "ru" and len(words) >= 3 and _ru_owner_then_person(words):
                    words = words[-2:]  # "пресс-секретарь Президента РФ Дмитрий Песков": the person
            if words and k in (1, 4) and language in _ROMANCE and words[0].lower() in _PREPOSITION | {"a"}:
                # "señala a este periódico María Sánchez Galindo": to whom it was said comes first (Portuguese "a" is
                # an article: "disse a fonte ucraniana"; Russian and Bulgarian name the body after "в"/"от")
                words = words[next((i for i, w in enumerate(words) if w[:1].isupper()), len(words)):]
            if (not words or len(words) > 8 or words[0].lower() in _OTHER_OPENERS or _NOT_SPEAKER_START.match(words[0])
                    or _NOT_SPEAKER_WORD.match(words[0]) or re.fullmatch(_OTHER_SPEECH[language], words[0])):
                continue
            # (not in an office's name: "Министерството на отбраната на Русия"); nor is what follows a relative
            # pronoun ("ha aggiunto Mamer che …")
            where = _SAID_WHERE_ROMANCE if language in _ROMANCE else _SAID_WHERE
            cut = next((i for i in range(1, len(words)) if k != 2 and words[i] in where and words[i - 1][:1].isupper()
                        or words[i] in {"che", "que", "qui"}
                        # "каза Шмид и добави", "каза Зеленски за Путин": and a verb, about whom
                        or k in (0, 1) and i + 1 < len(words) and words[i - 1][:1].isupper() and (
                            words[i] in _AND and words[i + 1][:1].islower()
                            or words[i] in _ABOUT and words[i + 1][:1].isupper())
                        # where the speaker wrote it: "написа той на страницата си", "в своем Telegram-канале"
                        or words[i] in _SAID_WHERE and any(w in _OWN for w in words[i + 1:i + 3])), len(words))
            if (cut > 1 and words[0].lower() in _ARTICLES_OF.get(language, set()) and words[1][:1].isupper()
                    and all(w[:1].isupper() or len(w) <= 3 for w in words[2:cut])):
                # "segundo a CNN Internacional", "disse o Kremlin": a name needs no article (a description keeps
                # it: "o Presidente russo")
                words, cut = words[1:], cut - 1
            speaker = " ".join(words[:cut])
            if language == "ru" and k in (5, 6):
                speaker = _ru_nominative(speaker)  # "по словам Пескова": "Песков"
            # the sentence's full stop is no part of a name ("selon Tokyo."), an initial's is ("Roger Pielke Jr.")
            return speaker[:-1] if speaker.endswith(".") and len(words[cut - 1]) > 3 else speaker
    return None


# Hindi marks the speaker with "ने" before the verb ("एसबीयू के एक अधिकारी ने कहा कि …", "जेलेंस्की ने हमले
# को अमानवीय भी बताया") and the source with "के अनुसार" after it (according to).
_HI_SAID = re.compile(r"\sने\s+(?:[^\s,।]+\s+){0,6}?(?:कहा|बताया|लिखा|दावा)")
_HI_ACCORDING = re.compile(r"\sके\s+(?:अनुसार|मुताबिक)")
# Words the speaker starts after: a postposition ("मई में अमेरिकी विदेश विभाग ने": in May, …), a conjunction or
# particle ("लेकिन सुश्री झापरोवा ने": but …; "भले ही मोदी ने": even if …), "कि" (that) and a participle ("… करते हुए")
_HI_BOUNDARY = {"में", "पर", "को", "से", "बाद", "तक", "कि", "हुए", "लेकिन", "और", "ही", "जबकि", "क्योंकि", "तो", "भी", "मगर",
                "लेकर", "दौरान", "तब"}  # "… को लेकर पेस्कोव ने" (about …), "इस दौरान कमला हैरिस ने" (meanwhile), "तब" (then)


# "he/she said" (honorific, plural): the pronoun with its "ने" in one word; resolve_speakers names it
# (not inside a quotation: 'वह कहती हैं, "उन्होंने मुझे … बताया …"' is her husband who told her)
_HI_PRONOUN_SAID = re.compile(r"(?:^|[\s,])(?P<speaker>उन्होंने|इन्होंने)\s+(?:[^\s,।]+\s+){0,6}?(?:कहा|बताया|लिखा|दावा)")


def _attribute_hindi(sentence: str) -> str | None:
    m = _HI_PRONOUN_SAID.search(sentence)
    if m and not _HI_SAID.search(sentence[:m.start()]) and _QUOTED.sub(" ", sentence[:m.end()]).endswith(m.group()[-6:]):
        return m.group("speaker")
    for rx in (_HI_SAID, _HI_ACCORDING):
        m = rx.search(sentence)
        if m:
            words = re.split(r"[,।:;\"'‘’“”()–—-]", sentence[: m.start()])[-1].split()[-6:]
            cut = max((i + 1 for i, w in enumerate(words[:-1]) if w in _HI_BOUNDARY), default=0)
            if words[cut:]:
                return " ".join(words[cut:])
    return None


class ClaimsConfig(StrictModel):
    model: str | None = Field(None, description="Check-worthiness model folder [default: bundled].")
    threshold: float | None = Field(None, ge=0, le=1, description="Check-worthiness threshold for every language [default: the model's, tuned by CV for each route].")
    language_thresholds: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict, description="Check-worthiness threshold per language code, over `threshold` (the thresholds are tuned "
        "on English: with them the USE head flags 64% of Portuguese news sentences, English's route 37%).")
    max_claims: int = Field(30, ge=1)
    min_words: int = Field(6, ge=1)
    k: int = Field(3, ge=1, le=50, description="Library matches per claim.")
    match_threshold: float = Field(0.2, ge=0, le=1, description="Fused match score (0..1) to report a match (0.2: 93% precision@1 on CheckThat! 2022).")
    narrative_link_threshold: float = Field(0.15, ge=0, le=1, description="Match score for a narrative-level link's connecting sentence.")


class ClaimsStage(Stage):
    name = "claims"
    version = "11"  # 2: an adverb before the speech verb is no part of the speaker ("Volker pointedly told")
    # 3: nor an auxiliary ("Vulin has said") or a conjunction before it ("But he added"); a clause after a
    #    quotation is no speaker ("… and even claimed")
    # 4: nor "now", "just", "already" ... before it ("Putin has now boldly stated")
    # 5: a phrase opening with a preposition is no speaker ("From making several claims …"), nor "several" before "claims"
    # 6: the source after "according to" ends before a participle ("according to globalists pushing population
    #    replacement scheme")
    # 7: check-worthiness beyond English: heads over multilingual sentence vectors (USE, e5) score the languages
    #    the n-gram head cannot read; the route (heads) used is stored
    # 8: speakers in Russian, Bulgarian, Portuguese and Hindi ("«…», — заявил Песков", "според Зеленски", "disse Lula",
    #    "… ने कहा कि")
    # 9: a title's or an initial's full stop does not end an English speaker ("according to Dr. Patrick Moore": "Dr")
    #    and an office or body before its owner's name is the speaker in Russian, Bulgarian and Portuguese
    #    ("Министерството на отбраната на Русия заяви", "Министерство иностранных дел ПМР заявляет": was "ПМР");
    #    speakers in French, Italian and Spanish ("a déclaré Andrzej Duda", "secondo Unimpresa", "afirmó el presidente de
    #    UBS"); a sentence's full stop is no part of the speaker ("— сказал Никифорчук.")
    # 10: a pronoun speaker ("he said") is the person quoted in the sentences before ("speaker_as" keeps "he"); a
    #     phrase before the speaker ("Speaking to reporters in Paris, the U.S. special envoy said"), a closing
    #     quotation typed as an opening one ('… fossil fuels,“ Moore said.') or opened sentences before, and a name's
    #     apposition ("Felix Goltz, research director at …, told") no longer hide it; a sentence adverb ("However"),
    #     a passive or copula ("It is said") and where it was said ("Biden in a statement") are no speaker; a
    #     Romance-language name drops its article ("a CNN Internacional"); Bulgarian "също така" before the verb;
    #     Hindi "उन्होंने कहा" (he said) is a pronoun speaker, named from the sentence before; after "According to
    #     <source>," who said it is the speaker ("…, she said"); a wire dateline and "further" are no part of it; a
    #     Russian speaker after "по словам" is named in the nominative ("Пескова" → "Песков"); "states" and "claims"
    #     as nouns ("The Baltic states of …") and a quantity ("Much of the … claims") are no English speaker
    # 11: the speaker of a clause after "after", "before", "since" … is who said it ("Putin's remarks come after
    #     President Biden said" was "Putin's remarks come after President Biden"); a Russian acronym owning an office
    #     is no part of the person named after it ("… Воздушных сил ВСУ Юрий Игнат заявил" was "ВСУ Юрий Игнат"); who
    #     said it, named before "according to", is the speaker ("He said, according to several Russian news outlets");
    #     "member states" is a noun ("The collaboration between member states includes"); "I’ve" is "I"; a second verb,
    #     whom it was about or where it was written is no part of a speaker named after the quotation ("каза Шмид и
    #     добави", "каза Зеленски за Путин", "написал политик на своей странице в социальной сети"); a Russian office's
    #     owner in the genitive before a person is none ("пресс-секретарь Президента РФ Дмитрий Песков": the person)
    requires = ("clean_text", "sentences")
    assigns = ("results.claims",)
    description = "Check-worthy claims, quotes attributed, matched to the fact-check/counter-narrative library."

    def __init__(self, cfg: ClaimsConfig | None = None) -> None:
        self.cfg = cfg or ClaimsConfig()
        self.store: Any = None

    @classmethod
    def from_settings(cls, s: Settings) -> "ClaimsStage":
        return cls(stage_config(s, "claims", ClaimsConfig))

    def attach(self, store: Any) -> None:
        self.store = store
        self.__dict__.pop("matcher", None)
        self.__dict__.pop("tagged_entries", None)
        try:
            self._library = store.library_fingerprint() if hasattr(store, "library_fingerprint") else None
        except Exception:  # noqa: BLE001 - an old corpus without a library table
            self._library = None

    @cached_property
    def model(self) -> CheckworthyModel:
        return CheckworthyModel(Path(self.cfg.model) if self.cfg.model else BUNDLED)

    @cached_property
    def matcher(self) -> Any:
        if self.store is None or not hasattr(self.store, "library_passages"):
            return None
        try:
            if not self.store.library_entries(limit=1):
                return None
        except Exception:  # noqa: BLE001 - an old corpus without a library table
            return None
        from ..claims.matcher import Matcher

        return Matcher.from_store(self.store)

    @cached_property
    def tagged_entries(self) -> list[dict[str, Any]]:
        """Library entries tagged with narratives: read once per run, not per article."""
        return self.store.library_entries(tagged=True) if self.matcher is not None else []

    @property
    def model_id(self) -> str | None:
        # The matches depend on the library: a changed library is a new "model".
        lib = getattr(self, "_library", None)
        return f"checkworthy@{artifact_digest(Path(self.cfg.model) if self.cfg.model else BUNDLED)}" + (f"+library@{lib}" if lib and not lib.startswith("0:") else "")

    def predict(self, article: Article) -> dict[str, Any]:
        every = [" ".join(article.clean_text[s.start:s.end].split()) for s in article.sentences]
        kept = [k for k, t in enumerate(every) if len(t.split()) >= self.cfg.min_words]
        spans, texts = [article.sentences[k] for k in kept], [every[k] for k in kept]
        route, reads = self.model.route(article.language)
        scores = self.model.score(texts, route) if texts else np.zeros(0)
        thr = self.cfg.language_thresholds.get(article.language or "", self.cfg.threshold)
        thr = thr if thr is not None else self.model.thresholds.get(route, self.model.threshold)
        order = [i for i in np.argsort(-scores) if scores[i] >= thr][: self.cfg.max_claims]
        order.sort(key=lambda i: spans[i].start)
        # every sentence's speaker, so that a claim's "he" finds the name quoted before it (none to find: no claim)
        speakers = resolve_speakers(every, [attribute(t, article.language) for t in every], article.language) if order else []
        claims = []
        for i in order:
            c: dict[str, Any] = {"start": spans[i].start, "end": spans[i].end, "checkworthiness": round(float(scores[i]), 4)}
            sp, pronoun = speakers[kept[i]]
            if sp:
                c["speaker"] = sp
            if pronoun:
                c["speaker_as"] = pronoun  # what the sentence calls the speaker
            claims.append(c)
        out: dict[str, Any] = {"claims": claims, "candidates": len(spans), "library": self.matcher is not None,
                               "route": route, "reads_language": reads}
        if not reads:
            out["language_note"] = self.model.missing(article.language)
        if self.matcher is not None and claims:
            self._match(article, claims, texts, spans, out)
        return out

    def _entry(self, eid: str) -> dict[str, Any]:
        e = self.store.library_get(eid)
        return {k: e.get(k) for k in ("id", "kind", "claim", "url", "rating", "narratives")}

    def _match(self, article: Article, claims: list[dict[str, Any]], texts: list[str], spans: list[Any], out: dict[str, Any]) -> None:
        by_start = {s.start: t for s, t in zip(spans, texts)}
        results = self.matcher.search([by_start[c["start"]] for c in claims], k=self.cfg.k, threshold=self.cfg.match_threshold)
        entries: dict[str, dict[str, Any]] = {}
        suggestions: dict[str, dict[str, Any]] = {}
        for c, ms in zip(claims, results):
            c["matches"] = []
            for m in ms:
                entries.setdefault(m.entry_id, self._entry(m.entry_id))
                c["matches"].append({"entry": m.entry_id, "score": round(m.score, 4), "dense": round(m.dense, 4),
                                     "lexical": round(m.lexical, 4), "passage": m.passage})
                if entries[m.entry_id]["kind"] == "counter_narrative":
                    s = suggestions.setdefault(m.entry_id, {"entry": entries[m.entry_id], "score": 0.0, "via": [], "connecting": []})
                    s["score"] = max(s["score"], round(m.score, 4))
                    if "claims" not in s["via"]:
                        s["via"].append("claims")
                    s["connecting"].append({"start": c["start"], "end": c["end"], "passage": m.passage, "score": round(m.score, 4)})
        # Narrative-level links: entries tagged with narratives the article carries.
        narr = article.results.get("narratives")
        labels = {n["label"]: n for n in (narr.data.get("narratives", []) + narr.data.get("subnarratives", []))} if narr else {}
        if labels:
            for e in self.tagged_entries:
                shared = [l for l in e["narratives"] if l in labels]
                if not shared:
                    continue
                s = suggestions.setdefault(e["id"], {"entry": {k: e.get(k) for k in ("id", "kind", "claim", "url", "rating", "narratives")},
                                                     "score": 0.0, "via": [], "connecting": []})
                s["via"].append("narratives")
                s["narratives"] = shared
                ev = [x for l in shared for x in labels[l].get("evidence", [])]
                ev_texts = [" ".join(article.clean_text[x["start"]:x["end"]].split()) for x in ev]
                if ev_texts:
                    res = self.matcher.search(ev_texts, k=20)
                    for x, ms in zip(ev, res):
                        hit = next((m for m in ms if m.entry_id == e["id"]), None)
                        if hit and hit.score >= self.cfg.narrative_link_threshold:
                            s["connecting"].append({"start": x["start"], "end": x["end"], "passage": hit.passage, "score": round(hit.score, 4)})
                            s["score"] = max(s["score"], round(hit.score, 4))
                s["score"] = max(s["score"], max(float(labels[l]["confidence"]) for l in shared))
        for s in suggestions.values():
            s["connecting"].sort(key=lambda x: -x["score"])
            s["connecting"] = s["connecting"][:5]
        out["counter_narratives"] = sorted(suggestions.values(), key=lambda s: -s["score"])
        out["entries"] = entries


class NullClaims(ClaimsStage):
    null = True

    def predict(self, article: Article) -> dict[str, Any]:
        return {"claims": [], "candidates": 0, "library": False}

    @property
    def model_id(self) -> str | None:
        return None
