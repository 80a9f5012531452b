"""`goldenpath release` and `goldenpath pin-refs`: release this repository and keep its self-references coherent."""
