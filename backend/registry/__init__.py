"""The national population registry (Cơ sở dữ liệu quốc gia về dân cư): citizens, addresses, households."""
