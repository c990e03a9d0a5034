"""DVH engine: contours -> occupancy on a sampling grid -> dose samples -> histograms, metrics."""
