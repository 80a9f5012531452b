"""Everything goldenpath does on GitHub: client setup and the create-repo steps."""
