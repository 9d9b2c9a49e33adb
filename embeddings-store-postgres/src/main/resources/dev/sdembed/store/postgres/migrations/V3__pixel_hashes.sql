-- Each image content's perceptual hash of its decoded pixels (duplicates --by pixels): 64 bits, kept as a signed
-- bigint, null for contents indexed before this migration (the next index run over their files adds it). Its four
-- 16-bit bands are generated columns with an index each: two hashes at most 7 bits apart agree in some band up to
-- one bit, so a search for the same picture probes per content each band's value and the 16 values one bit away,
-- never every pair.

ALTER TABLE image_contents ADD COLUMN pixel_hash bigint;
ALTER TABLE image_contents
    ADD COLUMN pixel_band0 integer GENERATED ALWAYS AS (((pixel_hash >> 48) & 65535)::integer) STORED,
    ADD COLUMN pixel_band1 integer GENERATED ALWAYS AS (((pixel_hash >> 32) & 65535)::integer) STORED,
    ADD COLUMN pixel_band2 integer GENERATED ALWAYS AS (((pixel_hash >> 16) & 65535)::integer) STORED,
    ADD COLUMN pixel_band3 integer GENERATED ALWAYS AS ((pixel_hash & 65535)::integer) STORED;
CREATE INDEX image_contents_pixel_band0 ON image_contents (pixel_band0) WHERE pixel_hash IS NOT NULL;
CREATE INDEX image_contents_pixel_band1 ON image_contents (pixel_band1) WHERE pixel_hash IS NOT NULL;
CREATE INDEX image_contents_pixel_band2 ON image_contents (pixel_band2) WHERE pixel_hash IS NOT NULL;
CREATE INDEX image_contents_pixel_band3 ON image_contents (pixel_band3) WHERE pixel_hash IS NOT NULL;
