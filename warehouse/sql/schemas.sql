-- The four layers of the warehouse. Data flows one way: raw -> staging -> recon; meta records runs.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS recon;
CREATE SCHEMA IF NOT EXISTS meta;
