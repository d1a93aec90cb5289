"""The programme report: participants, attendance, evaluation results and action plans, per event
and for the whole programme, as pages, a PDF and an XLSX for the donor."""
