"""Data models of the layouts, one module per family; ``layout.toml`` names its model."""
