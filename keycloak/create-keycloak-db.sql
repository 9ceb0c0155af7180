-- Keycloak's own database beside the app's, owned by POSTGRES_USER. The postgres image runs
-- this once, when it initialises an empty data volume (docker-compose.yml mounts it).
CREATE DATABASE keycloak;
