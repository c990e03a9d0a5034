"""Qt-free helpers for the review window: slices of CT and dose, window/level presets,
isodose lines and colour wash, contour sections, DVH curves in display units, metric rows."""
