"""The administrators' "Operation set-up" window and its tabs (one module per tab)."""
