"""Signed electronic documents: signing keys and JWKS, PDF rendering, issuing and verification."""
