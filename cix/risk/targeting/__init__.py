"""The targeting model: learns from inspection outcomes which declarations to select.

``data`` reads KCS files by column name (labels only where asked for), ``features`` builds the
features with history strictly before each row's date, ``model`` trains the experts and blends them
into one ranking, ``metrics`` measures a ranking, ``service`` runs the jobs behind ``cix risk``.

LightGBM and XGBoost each bring an OpenMP runtime; with both in one process on two cores (the
benchmark runs the published XGBoost recipe beside our LightGBM model), or beside other busy
processes, the default active spin-wait of idle OpenMP threads slowed training up to 30-fold in our
measurements. Passive waiting is therefore set here, before either library is loaded, unless the
environment already chooses a policy.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
