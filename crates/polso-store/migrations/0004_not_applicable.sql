-- Schema version 4: the items a week's pulse marked "not applicable this week".
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- Such an item has no value and no score: it is kept apart from the answers
-- so that every row of `answers` still holds a value on the item's scale,
-- and so the week's report can say how many people found it not applicable.
CREATE TABLE not_applicable (
    week TEXT NOT NULL REFERENCES pulses (week) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    PRIMARY KEY (week, item_id)
) STRICT;
