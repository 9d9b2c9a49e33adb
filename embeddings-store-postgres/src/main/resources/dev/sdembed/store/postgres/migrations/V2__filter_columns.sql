-- Filters of issue 18 run in the query: the generation settings they compare get columns of their own (they were
-- only in the parameters jsonb), and every filtered column an index, so a selective filter is found by index,
-- not by scanning the images. The columns are filled by the writer from the record's parameters; rows written
-- before this migration are back-filled in the same transaction by the store (SchemaSetup), with the one reading
-- of the parameters the filters use (GenerationSettings), so old and new rows agree.

ALTER TABLE images
    ADD COLUMN sampler text,
    ADD COLUMN seed    bigint,
    ADD COLUMN steps   integer,
    ADD COLUMN cfg     double precision;

CREATE INDEX images_generator ON images (generator);
CREATE INDEX images_model_name ON images (model_name);
CREATE INDEX images_sampler ON images (sampler);
CREATE INDEX images_seed ON images (seed);
CREATE INDEX images_steps ON images (steps);
CREATE INDEX images_cfg ON images (cfg);
CREATE INDEX images_size ON images (width, height);
CREATE INDEX images_modified_at ON images (modified_at);
