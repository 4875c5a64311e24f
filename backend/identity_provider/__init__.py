"""congdan as the national login: an OpenID Connect provider (Authlib) with consented data release, levels
of assurance, app approval with a bound device key, pairwise subjects and eKYC for relying parties."""
