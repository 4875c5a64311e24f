"""Criminal-record certificates (Phiếu lý lịch tư pháp No. 1 and No. 2): conviction records, expungement,
requests with fees, the officers' queue and issuance as signed documents."""
