-- Change hooks: a gateway's Lua scripts run after each committed write to a collection, by collection name
-- (a JSON object {"<collection>": "<lua source>"}). They belong to the gateway, so they reload with it.

ALTER TABLE gateways ADD COLUMN hooks TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(hooks) AND json_type(hooks) = 'object');
