-- Schema version 2 of the organisation server: the optional differential-privacy setting.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- ε is kept as an exact ratio (see polso_core::dp::Epsilon); both columns are
-- NULL while differential privacy is off, the default. dp_release counts the
-- changes of the setting: it is part of the seed of every cell's noise, so a
-- new setting draws fresh noise rather than re-using noise sized for another ε.
ALTER TABLE organisations ADD COLUMN dp_epsilon_numerator INTEGER CHECK (dp_epsilon_numerator > 0);
ALTER TABLE organisations ADD COLUMN dp_epsilon_denominator INTEGER CHECK (dp_epsilon_denominator > 0);
ALTER TABLE organisations ADD COLUMN dp_release INTEGER NOT NULL DEFAULT 0 CHECK (dp_release >= 0);
