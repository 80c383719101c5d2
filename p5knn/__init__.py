"""p5knn."""
