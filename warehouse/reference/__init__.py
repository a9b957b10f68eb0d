"""Reference data: Russian regions and cities shipped with the product, and users' own
enrichment tables, all in the `ref` schema. Sources: docs/reference-data.md."""

from warehouse.reference.load import (
    CITIES_CSV,
    REGIONS_CSV,
    EnrichmentResult,
    cities_table,
    load_enrichment,
    load_reference,
    regions_table,
)

__all__ = [
    "CITIES_CSV",
    "REGIONS_CSV",
    "EnrichmentResult",
    "cities_table",
    "load_enrichment",
    "load_reference",
    "regions_table",
]
