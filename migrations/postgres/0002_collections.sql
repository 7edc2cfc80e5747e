-- Collections of JSON documents that handler scripts read and write through `DB`: the PostgreSQL form of the SQLite
-- set's 0003, with the same meaning (see there).
--
-- `data` keeps each document's text exactly as the store wrote it, so a read returns it unchanged (jsonb would
-- rewrite numbers such as 1e+16); `document` is the same document as jsonb, for filters, sorts and indexes.
-- `id`, `created_at` and `updated_at` are copies kept as columns for the primary key, sorting and filtering.
-- Everything that is compared or sorted is COLLATE "C", byte order, as SQLite's BINARY.

-- JSON text as jsonb, which cannot hold the character U+0000: it reads as U+FFFD here (an escaped backslash
-- followed by "u0000" stays as it is), for stored documents and filter values alike.
CREATE FUNCTION gatewayd_jsonb(json text) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE
        WHEN strpos(json, '\u0000') = 0 THEN json::jsonb
        ELSE regexp_replace(json, '(?<!\\)((?:\\\\)*)\\u0000', '\1\\ufffd', 'g')::jsonb
    END;
END;

CREATE TABLE collections (
    name       text  COLLATE "C" NOT NULL PRIMARY KEY,
    -- JSON array of the field paths declared as indexed.
    indexes    text  NOT NULL DEFAULT '[]',
    created_at text  NOT NULL DEFAULT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);

CREATE TABLE collection_items (
    collection text  COLLATE "C" NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    id         text  COLLATE "C" NOT NULL,
    data       text  NOT NULL,
    document   jsonb GENERATED ALWAYS AS (gatewayd_jsonb(data)) STORED,
    created_at text  COLLATE "C" NOT NULL,
    updated_at text  COLLATE "C" NOT NULL,
    PRIMARY KEY (collection, id)
);

CREATE INDEX collection_items_created_at ON collection_items (collection, created_at);

-- What follows reads a jsonb value (one path of a document, or a bound filter value) as SQLite's json_extract does,
-- so that filters and sorts mean what they mean on SQLite: JSON null and a missing path are SQL NULL, true and false
-- are the numbers 1 and 0, strings are text, and objects and arrays are their compact JSON text; numbers sort before
-- text, and text sorts by bytes. SQL bodies are BEGIN ATOMIC (their calls are bound when created) and the PL/pgSQL
-- ones pin their search path: index maintenance may run under another search path (PostgreSQL 17 does).

-- The compact JSON text of a value, keys sorted by bytes, as the store writes documents (and SQLite reads back a
-- nested object or array).
CREATE FUNCTION gatewayd_json_text(v jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN CASE jsonb_typeof(v)
        WHEN 'object' THEN '{' || coalesce((
            SELECT string_agg(to_jsonb(key)::text || ':' || gatewayd_json_text(value), ',' ORDER BY key COLLATE "C")
            FROM jsonb_each(v)), '') || '}'
        WHEN 'array' THEN '[' || coalesce((
            SELECT string_agg(gatewayd_json_text(value), ',' ORDER BY position)
            FROM jsonb_array_elements(v) WITH ORDINALITY AS element(value, position)), '') || ']'
        ELSE v::text
    END;
END $$;

-- SQLite's text of a floating-point number (printf "%!.15g": 15 significant digits, at least one after the point).
CREATE FUNCTION gatewayd_real_text(n numeric) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    exponent integer;
    rounded numeric;
    digits text;
BEGIN
    IF n = 0 THEN RETURN '0.0'; END IF;
    exponent := floor(log(abs(n)));
    rounded := round(n, 14 - exponent);
    IF abs(rounded) >= 10::numeric ^ (exponent + 1) THEN
        exponent := exponent + 1;
        rounded := round(n, 14 - exponent);
    END IF;
    IF exponent < -4 OR exponent >= 15 THEN
        digits := trim_scale(rounded / 10::numeric ^ exponent)::text;
        IF strpos(digits, '.') = 0 THEN digits := digits || '.0'; END IF;
        RETURN digits || 'e' || CASE WHEN exponent < 0 THEN '-' ELSE '+' END || lpad(abs(exponent)::text, 2, '0');
    END IF;
    digits := trim_scale(rounded)::text;
    IF strpos(digits, '.') = 0 THEN digits := digits || '.0'; END IF;
    RETURN digits;
END $$;

-- The value as text, as SQLite turns it into text for instr and substr (`_contains`, `_starts_with`): a number
-- written with a fraction (or too large for 64 bits) is a floating-point number there.
CREATE FUNCTION gatewayd_text(v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE jsonb_typeof(v)
        WHEN 'string' THEN v #>> '{}'
        WHEN 'number' THEN CASE
            WHEN scale(v::numeric) = 0 AND v::numeric BETWEEN -9223372036854775808 AND 9223372036854775807
                THEN v::numeric::text
            ELSE gatewayd_real_text(v::numeric)
        END
        WHEN 'boolean' THEN CASE WHEN v = 'true' THEN '1' ELSE '0' END
        WHEN 'object' THEN gatewayd_json_text(v)
        WHEN 'array' THEN gatewayd_json_text(v)
    END;
END;

-- A key equal for exactly the values SQLite's `=` finds equal (1 = 1.0 = true, "a" = "a"); NULL for null and
-- missing. Declared indexes are on this, so `_eq`, `_in` and `_null` can use them.
CREATE FUNCTION gatewayd_key(v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE jsonb_typeof(v)
        WHEN 'string' THEN 's' || (v #>> '{}')
        WHEN 'number' THEN 'n' || trim_scale(v::numeric)::text
        WHEN 'boolean' THEN CASE WHEN v = 'true' THEN 'n1' ELSE 'n0' END
        WHEN 'object' THEN 's' || gatewayd_json_text(v)
        WHEN 'array' THEN 's' || gatewayd_json_text(v)
    END;
END;

-- A value in SQLite's order, for sorts and `_gt`, `_gte`, `_lt`, `_lte`: numbers (rank 1) by value before text
-- (rank 2) by bytes; NULL for null and missing.
CREATE TYPE gatewayd_sort_key AS (rank smallint, number numeric, text text COLLATE "C");

CREATE FUNCTION gatewayd_sort_key(v jsonb) RETURNS gatewayd_sort_key
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT CASE jsonb_typeof(v)
        WHEN 'number' THEN ROW(1, v::numeric, '')::gatewayd_sort_key
        WHEN 'boolean' THEN ROW(1, CASE WHEN v = 'true' THEN 1 ELSE 0 END, '')::gatewayd_sort_key
        WHEN 'string' THEN ROW(2, 0, v #>> '{}')::gatewayd_sort_key
        WHEN 'object' THEN ROW(2, 0, gatewayd_json_text(v))::gatewayd_sort_key
        WHEN 'array' THEN ROW(2, 0, gatewayd_json_text(v))::gatewayd_sort_key
    END;
END;
