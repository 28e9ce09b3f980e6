"""Small model pieces with numpy-only inference: featurisers and linear heads.

Training uses scikit-learn (``pip install 'narrascope[train]'``); what ships
is arrays in ``.npz`` files plus a JSON model card, so predicting needs no
scikit-learn and no pickles.
"""
