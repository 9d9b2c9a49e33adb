-- Contents keyed by SHA-256, image records referencing them, the slot registry, and exact reference counts.
-- Applied with search_path set to the store's schema (then pgvector's); embedding tables are created per slot
-- by the store from its configuration, not here.

CREATE TABLE text_contents (
    hash       bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    text       text NOT NULL,
    ref_count  bigint NOT NULL DEFAULT 0 CHECK (ref_count >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE image_contents (
    hash       bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    width      integer NOT NULL CHECK (width > 0),
    height     integer NOT NULL CHECK (height > 0),
    format     text NOT NULL,
    byte_size  bigint NOT NULL CHECK (byte_size > 0),
    ref_count  bigint NOT NULL DEFAULT 0 CHECK (ref_count >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE images (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path          text COLLATE "C" NOT NULL UNIQUE,
    image_hash    bytea REFERENCES image_contents (hash),
    prompt_hash   bytea REFERENCES text_contents (hash),
    negative_hash bytea REFERENCES text_contents (hash),
    generator     text,
    model_name    text,
    parameters    jsonb NOT NULL DEFAULT '{}',
    width         integer NOT NULL DEFAULT 0 CHECK (width >= 0),
    height        integer NOT NULL DEFAULT 0 CHECK (height >= 0),
    file_size     bigint NOT NULL CHECK (file_size >= 0),
    modified_at   timestamptz NOT NULL,
    status        text NOT NULL CHECK (status IN ('ok', 'failed')),
    error         text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (status = 'failed' OR image_hash IS NOT NULL)
);
-- Search joins embeddings to images through these; deleting a content checks them too.
CREATE INDEX images_image_hash ON images (image_hash);
CREATE INDEX images_prompt_hash ON images (prompt_hash);
CREATE INDEX images_negative_hash ON images (negative_hash);
CREATE INDEX images_failed_path ON images (path) WHERE status = 'failed';

CREATE TABLE slots (
    name            text PRIMARY KEY,
    modality        text NOT NULL CHECK (modality IN ('text', 'image')),
    dimension       integer NOT NULL CHECK (dimension > 0),
    vector_type     text NOT NULL CHECK (vector_type IN ('vector', 'halfvec')),
    encoder_name    text NOT NULL,
    fingerprint     text NOT NULL,
    embedding_space text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Reference counts follow every change to images, whoever makes it (the store, psql, a cascade), in the same
-- transaction. Statement-level triggers see exactly the rows changed, also for INSERT ... ON CONFLICT DO UPDATE
-- racing another writer. Rows are locked in hash order, texts before images, so concurrent writers touching the
-- same contents queue instead of deadlocking.
CREATE FUNCTION apply_ref_deltas(added_texts bytea[], removed_texts bytea[],
                                 added_images bytea[], removed_images bytea[]) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    text_hashes  bytea[];
    text_deltas  bigint[];
    image_hashes bytea[];
    image_deltas bigint[];
BEGIN
    SELECT array_agg(hash ORDER BY hash), array_agg(delta ORDER BY hash) INTO text_hashes, text_deltas
    FROM (SELECT hash, sum(delta) AS delta FROM (
              SELECT h AS hash, 1 AS delta FROM unnest(added_texts) h
              UNION ALL SELECT h, -1 FROM unnest(removed_texts) h) d
          WHERE hash IS NOT NULL GROUP BY hash HAVING sum(delta) <> 0) n;
    SELECT array_agg(hash ORDER BY hash), array_agg(delta ORDER BY hash) INTO image_hashes, image_deltas
    FROM (SELECT hash, sum(delta) AS delta FROM (
              SELECT h AS hash, 1 AS delta FROM unnest(added_images) h
              UNION ALL SELECT h, -1 FROM unnest(removed_images) h) d
          WHERE hash IS NOT NULL GROUP BY hash HAVING sum(delta) <> 0) n;

    IF text_hashes IS NOT NULL THEN
        PERFORM 1 FROM text_contents WHERE hash = ANY (text_hashes) ORDER BY hash FOR NO KEY UPDATE;
        UPDATE text_contents c SET ref_count = c.ref_count + d.delta
            FROM unnest(text_hashes, text_deltas) AS d(hash, delta) WHERE c.hash = d.hash;
    END IF;
    IF image_hashes IS NOT NULL THEN
        PERFORM 1 FROM image_contents WHERE hash = ANY (image_hashes) ORDER BY hash FOR NO KEY UPDATE;
        UPDATE image_contents c SET ref_count = c.ref_count + d.delta
            FROM unnest(image_hashes, image_deltas) AS d(hash, delta) WHERE c.hash = d.hash;
    END IF;
END
$$;

CREATE FUNCTION images_refs_inserted() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM apply_ref_deltas(
        ARRAY(SELECT prompt_hash FROM new_rows UNION ALL SELECT negative_hash FROM new_rows), '{}',
        ARRAY(SELECT image_hash FROM new_rows), '{}');
    RETURN NULL;
END
$$;

CREATE FUNCTION images_refs_updated() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM apply_ref_deltas(
        ARRAY(SELECT prompt_hash FROM new_rows UNION ALL SELECT negative_hash FROM new_rows),
        ARRAY(SELECT prompt_hash FROM old_rows UNION ALL SELECT negative_hash FROM old_rows),
        ARRAY(SELECT image_hash FROM new_rows),
        ARRAY(SELECT image_hash FROM old_rows));
    RETURN NULL;
END
$$;

CREATE FUNCTION images_refs_deleted() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM apply_ref_deltas(
        '{}', ARRAY(SELECT prompt_hash FROM old_rows UNION ALL SELECT negative_hash FROM old_rows),
        '{}', ARRAY(SELECT image_hash FROM old_rows));
    RETURN NULL;
END
$$;

CREATE TRIGGER images_refs_inserted AFTER INSERT ON images
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION images_refs_inserted();
CREATE TRIGGER images_refs_updated AFTER UPDATE ON images
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION images_refs_updated();
CREATE TRIGGER images_refs_deleted AFTER DELETE ON images
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION images_refs_deleted();
