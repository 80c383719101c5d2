"""The foundation every layer may use: errors, crash-safe writes, bounded JSON, the version."""
