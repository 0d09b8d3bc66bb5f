from dtm_platform.transform.pseudonymize import pseudonymize


def test_same_value_same_pseudonym_whatever_the_spacing_or_case():
    assert pseudonymize("Jean  NGOMBE", "k") == pseudonymize(" jean ngombe ", "k")


def test_the_pseudonym_depends_on_the_secret_and_hides_the_value():
    hashed = pseudonymize("+236 70 12 34 56", "k1")
    assert hashed != pseudonymize("+236 70 12 34 56", "k2")
    assert len(hashed) == 64 and set(hashed) <= set("0123456789abcdef")  # a hex digest
    assert hashed != pseudonymize("+236 70 12 34 57", "k1")


def test_blank_values_stay_blank():
    assert pseudonymize(None, "k") is None
    assert pseudonymize("   ", "k") is None
