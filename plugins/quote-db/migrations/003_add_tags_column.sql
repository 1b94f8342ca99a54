-- Tags: a JSON array of lower-case tags per quote, searched with `!quote search #tag` ($contains).
-- Data migration: the hashtags already in each quote's text become its tags, with the same rule the
-- plugin applies to new quotes (hashtags.ts): a space-separated word `#` + 1–32 of A-Z a-z 0-9 _,
-- trailing . , ! ? ; : ) ' " ignored, lower-cased, each tag once, in order of first appearance, the first 20.
-- Rolling back drops the tags and keeps every quote (their hashtags are still in the text).

-- UP
ALTER TABLE quote_db__quotes ADD COLUMN tags JSON NOT NULL DEFAULT '[]';
UPDATE quote_db__quotes SET tags = (
  WITH RECURSIVE words(n, word, rest) AS (
    SELECT 0, '', quote_db__quotes.text || ' '
    UNION ALL
    SELECT n + 1, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
      FROM words WHERE rest <> ''
  ),
  candidates(n, word) AS (
    SELECT n, rtrim(word, '.,!?;:)''"') FROM words WHERE word LIKE '#%'
  )
  SELECT json_group_array(tag) FROM (
    SELECT lower(substr(word, 2)) AS tag, MIN(n) AS first FROM candidates
      WHERE length(word) BETWEEN 2 AND 33 AND substr(word, 2) NOT GLOB '*[^A-Za-z0-9_]*'
      GROUP BY lower(substr(word, 2))
      ORDER BY first
      LIMIT 20
  )
) WHERE text LIKE '%#%';

-- UP: postgresql
ALTER TABLE quote_db__quotes ADD COLUMN tags JSONB NOT NULL DEFAULT '[]'::jsonb;
UPDATE quote_db__quotes SET tags = COALESCE((
  SELECT jsonb_agg(tag ORDER BY first) FROM (
    SELECT lower(substr(word, 2)) AS tag, MIN(n) AS first FROM (
      SELECT rtrim(w, '.,!?;:)''"') AS word, n
        FROM unnest(string_to_array(quote_db__quotes.text, ' ')) WITH ORDINALITY AS words(w, n)
    ) AS candidates
    WHERE word ~ '^#[A-Za-z0-9_]{1,32}$'
    GROUP BY lower(substr(word, 2))
    ORDER BY first
    LIMIT 20
  ) AS found
), '[]'::jsonb) WHERE text LIKE '%#%';

-- DOWN
ALTER TABLE quote_db__quotes DROP COLUMN tags;
