"""Apps: the programs a person runs, the only places an exception becomes an exit code or a message.

``cli`` (``capacity`` and ``python -m capacity``), ``report`` (the papermill budget report),
``app`` (the what-if served by Voila). Shipped beside them: ``notebooks/`` (the report notebook)
and ``templates/`` (nbconvert's report and Voila's app templates).

The top layer: may import anything in capacity.
"""
