"""The search index: lunr built fast, encoded into term shards and a store the browser loads."""
