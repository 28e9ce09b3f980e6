"""Claims and counter-narratives: a library of fact-checks users import,
and a hybrid lexical + dense matcher that links claims to it."""
