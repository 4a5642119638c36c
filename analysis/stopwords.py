"""Stop words for Finnish, Swedish and English (Snowball lists, plus common note filler).

Kept as Python constants so the analysis package does no file I/O.
"""

from __future__ import annotations

FINNISH = frozenset(
    """
    olla olen olet on olemme olette ovat ole oli olisi olisit olisin olisimme olisitte olisivat
    olit olin olimme olitte olivat ollut olleet olleen ollaan oltu ollen olemaan olevan oleva
    en et ei emme ette eivät älä älkää
    minä minun minut minua minussa minusta minuun minulla minulta minulle
    sinä sinun sinut sinua sinussa sinusta sinuun sinulla sinulta sinulle
    hän hänen hänet häntä hänessä hänestä häneen hänellä häneltä hänelle
    me meidän meidät meitä meissä meistä meihin meillä meiltä meille
    te teidän teidät teitä teissä teistä teihin teillä teiltä teille
    he heidän heidät heitä heissä heistä heihin heillä heiltä heille
    tämä tämän tätä tässä tästä tähän tällä tältä tälle tänä täksi
    tuo tuon tuota tuossa tuosta tuohon tuolla tuolta tuolle tuona tuoksi
    se sen sitä siinä siitä siihen sillä siltä sille sinä siksi
    nämä näiden näitä näissä näistä näihin näillä näiltä näille näinä näiksi
    nuo noiden noita noissa noista noihin noilla noilta noille noina noiksi
    ne niiden niitä niissä niistä niihin niillä niiltä niille niinä niiksi
    kuka kenen kenet ketä kenessä kenestä keneen kenellä keneltä kenelle kenenä keneksi
    ketkä keiden keitä keissä keistä keihin keillä keiltä keille keinä keiksi
    mikä minkä mitä missä mistä mihin millä miltä mille minä miksi mitkä
    joka jonka jota jossa josta johon jolla jolta jolle jona joksi
    jotka joiden joita joissa joista joihin joilla joilta joille joina joiksi
    että ja jos koska kuin mutta niin sekä sillä tai vaan vai vaikka
    kanssa mukaan noin poikki yli kun niin nyt itse myös vain jo vielä paljon
    hyvin aina kaikki kaikkia kaikkien mitään jotain joku jokin muu muut muita
    voi voisi voida pitää pitäisi täytyy tulee saada saa ehkä esim eli sitten
    lisää enemmän liian taas
    """.split()
)

SWEDISH = frozenset(
    """
    och det att i en jag hon som han på den med var sig för så till är men ett om hade de
    av icke inte mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid
    kunde något från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla
    under någon eller allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni
    bli blev oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom
    mellan sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra
    ert era vilkas också bara även ska kommer får finns mer fler behöver måste många
    """.split()
)

# scikit-learn's English list (sklearn.feature_extraction.text.ENGLISH_STOP_WORDS, BSD),
# written out so that the language guess does not import scikit-learn: the web process uses
# it to mark each note's language and does not otherwise load scikit-learn (2 s, 100 MB).
# A test checks that it still holds every word of scikit-learn's list.
_SCIKIT_LEARN_ENGLISH = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst amoungst amount an and another any anyhow anyone
    anything anyway anywhere are around as at back be became because become becomes becoming
    been before beforehand behind being below beside besides between beyond bill both bottom
    but by call can cannot cant co con could couldnt cry de describe detail do done down due
    during each eg eight either eleven else elsewhere empty enough etc even ever every
    everyone everything everywhere except few fifteen fifty fill find fire first five for
    former formerly forty found four from front full further get give go had has hasnt have
    he hence her here hereafter hereby herein hereupon hers herself him himself his how
    however hundred i ie if in inc indeed interest into is it its itself keep last latter
    latterly least less ltd made many may me meanwhile might mill mine more moreover most
    mostly move much must my myself name namely neither never nevertheless next nine no
    nobody none noone nor not nothing now nowhere of off often on once one only onto or
    other others otherwise our ours ourselves out over own part per perhaps please put
    rather re same see seem seemed seeming seems serious several she should show side since
    sincere six sixty so some somehow someone something sometime sometimes somewhere still
    such system take ten than that the their them themselves then thence there thereafter
    thereby therefore therein thereupon these they thick thin third this those though three
    through throughout thru thus to together too top toward towards twelve twenty two un
    under until up upon us very via was we well were what whatever when whence whenever
    where whereafter whereas whereby wherein whereupon wherever whether which while whither
    who whoever whole whom whose why will with within without would yet you your yours
    yourself yourselves
    """.split()
)

ENGLISH = _SCIKIT_LEARN_ENGLISH | frozenset(
    "i'm i've can't don't doesn't isn't it's we're they're get got need needs would".split()
)

# Words that never name a theme but are missing from the lists above: Snowball's English stop
# words that scikit-learn's list lacks, and common Finnish postpositions (Swedish prepositions
# such as "mellan" are in its list already). Labels and the language guess skip them; the
# lexical features (ALL) keep them, because phrasing such as "why did" or "how do" helps tell
# requests apart there: leaving the English ones out took lexical Banking77 from 0.663 to 0.657.
LABEL_FILLER = {
    "fi": frozenset(
        "välillä kesken kautta avulla takia vuoksi jälkeen aikana ilman sijaan".split()
    ),
    "sv": frozenset(),
    "en": frozenset("does did doing having theirs".split()),
}
# Shorthand that notes in every language use ("Liikaa asiakkaita per valmentaja", "Tauko
# 15 min"): in every list, so it names no theme and tells no language apart.
SHORTHAND = frozenset("per via etc ok min mm".split())

BY_LANGUAGE: dict[str, frozenset[str]] = {
    "fi": FINNISH | LABEL_FILLER["fi"] | SHORTHAND,
    "sv": SWEDISH | LABEL_FILLER["sv"] | SHORTHAND,
    "en": ENGLISH | LABEL_FILLER["en"] | SHORTHAND,
}

# Abbreviations and replies that name no theme but, unlike LABEL_FILLER, are no evidence of a
# language ("Ex offenders" is English, "t.ex." Swedish): left out of labels only, not of
# BY_LANGUAGE, whose words one language has alone are that language's marker words.
_LABEL_ONLY_FILLER = {
    "fi": frozenset("jne yms tms no kiitos".split()),
    "sv": frozenset("osv dvs ex ja tack hos går gå få gör göra".split()),
    "en": frozenset(),
}
FOR_LABELS = {lang: words | _LABEL_ONLY_FILLER[lang] for lang, words in BY_LANGUAGE.items()}
ALL = FINNISH | SWEDISH | ENGLISH
