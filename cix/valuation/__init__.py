"""Price references and the undervaluation check (issue 4).

``stats`` computes robust, time-weighted statistics of unit value per group (Polars);
``build`` reads observations from the store (own accepted import declarations, partners' price
records) and stores a reference table; ``index`` holds it in memory for the check with the
fall-back levels and the analysts' manual minimum/maximum values; ``check`` scores goods items;
``step`` runs the check on the declaration path; ``records`` and ``exchange`` send and receive
price records. Modules are imported where used, so importing this package stays light.
"""
