-- Attach a serving snapshot read-only, as the database `serving`.
attach $path as serving (read_only)
