from shared_schemas.text import fold, mask_personal_id, nfc


def test_fold_ignores_accents_case_and_spacing():
    assert fold("Nguyễn Văn  Ấn") == fold("NGUYEN VAN AN") == "nguyen van an"
    assert fold("Đặng Thị Đào") == "dang thi dao"


def test_nfc_composes_and_trims():
    assert nfc(" Nguye\u0302\u0303n ") == "Nguyễn"


def test_mask_personal_id():
    assert mask_personal_id("001090012345") == "0010******45"
