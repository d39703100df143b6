-- The live configuration: cameras, DVRs, zones, lines, rules, recipients and retention, editable
-- through the API. The YAML config stays the declarative setup, applied at every start: yaml_hash
-- is the hash of the object's YAML definition when the file last wrote it, so an unchanged YAML
-- entry does not overwrite an edit made since (a changed one does).
--
-- scope is what the id is unique within: the camera id for zones, lines and rules ('' for objects
-- that are unique site-wide, such as cameras and DVRs).
CREATE TABLE config_objects (
    kind       VARCHAR(16) NOT NULL CHECK (kind IN ('site', 'camera', 'dvr', 'zone', 'line', 'rule', 'recipient', 'retention')),
    scope      VARCHAR(64) NOT NULL DEFAULT '',
    id         VARCHAR(64) NOT NULL,
    definition JSONB NOT NULL,
    version    INT NOT NULL CHECK (version >= 1),
    yaml_hash  TEXT,
    updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    updated_by TEXT NOT NULL,
    PRIMARY KEY (kind, scope, id)
);

-- Every version ever written, deletions included (definition NULL): who changed what and when,
-- next to the audit row of the API call that did it.
CREATE TABLE config_versions (
    kind       VARCHAR(16) NOT NULL,
    scope      VARCHAR(64) NOT NULL,
    id         VARCHAR(64) NOT NULL,
    version    INT NOT NULL,
    definition JSONB,
    yaml_hash  TEXT,
    changed_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    changed_by TEXT NOT NULL,
    PRIMARY KEY (kind, scope, id, version)
);
