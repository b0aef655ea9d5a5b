// Placeholder until the first data/ source lands.
