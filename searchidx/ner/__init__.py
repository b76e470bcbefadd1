"""Named entities of news text: a spaCy NER model, cheap rules, and names made consistent.

One job a module, in the order the data flows:

- :mod:`~searchidx.ner.model`: loading the model and running it (with the rules) over texts;
- :mod:`~searchidx.ner.rules`: mention-level rules, spaCy components after the model;
- :mod:`~searchidx.ner.article`: one sense per article, people and organisations the model
  missed, and the canonical name of each mention;
- :mod:`~searchidx.ner.forms`: standard forms of names (cleaning, comparison keys, display);
- :mod:`~searchidx.ner.lean`: spaCy imported without its command line.

Only the indexer imports :mod:`~searchidx.ner.model` (and so spaCy): searching never loads it.
"""
