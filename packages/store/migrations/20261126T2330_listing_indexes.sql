-- Listing an account's pairs and contracts, from either side.
CREATE INDEX relationships_by_freelancer ON relationships (freelancer_id);
CREATE INDEX contracts_by_client ON contracts (client_id);
CREATE INDEX contracts_by_freelancer ON contracts (freelancer_id);
