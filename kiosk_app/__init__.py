"""The hospital check-in kiosk (Kivy): identify with the chip ID card or a QR, see the insurance result,
choose a department, take a queue ticket. Keeps working offline through a durable outbox."""
