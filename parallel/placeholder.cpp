// Placeholder until the first parallel/ source lands.
