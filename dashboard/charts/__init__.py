"""Every chart and table the dashboard pages and the HTML report both show, defined once.

Each area module has, per chart: a frozen dataclass holding the frames the chart needs,
one loader that fills it through a `Reader` (the page's DataStore or the report's
reader), and one function from the dataclass to a HoloViews element (or, for a table,
the frame of its rows: the pages show it as a Tabulator, the report as a DataTable).
Pages bind them to their widgets; the report renders them at a fixed size.
"""
