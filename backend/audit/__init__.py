"""The audit trail (nhật ký truy cập): who read or changed a citizen's data, visible to that citizen."""
