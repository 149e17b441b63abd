package password

import "testing"

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(h, "correct horse battery staple") || Verify(h, "correct horse battery stapl") || Verify("garbage", "x") {
		t.Fatal("Verify accepts or rejects the wrong passwords")
	}
	if h2, _ := Hash("correct horse battery staple"); h2 == h {
		t.Fatal("two hashes of one password are equal: salts are not random")
	}
	if Check("short") == nil || Check(OneTime()) != nil {
		t.Fatal("Check misjudges length")
	}
}
