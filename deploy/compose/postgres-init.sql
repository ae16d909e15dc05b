-- The databases of docker-compose.yml, made once when PostgreSQL's data directory is new
-- (docker-entrypoint-initdb.d): Temporal's two (history and visibility), whose schema the
-- temporal-schema step sets up, and Junction's metadata store, whose schema the worker and the
-- gateway migrate themselves at start. One role each; the passwords are the compose file's.
CREATE ROLE temporal LOGIN PASSWORD 'temporal';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;

CREATE ROLE junction LOGIN PASSWORD 'junction';
CREATE DATABASE junction OWNER junction;
