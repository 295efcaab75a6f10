"""Model builders, one module per family; each builder cites the paper it follows."""
