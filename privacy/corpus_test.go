package privacy

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// maskCorpus is how residents and volunteers really write: Vietnamese with
// and without diacritics, as an elderly resident or a young volunteer types
// it, and English. Positives mask a secret; negatives are ordinary
// sentences that must come back unchanged, with no kind.
var maskCorpus = []struct {
	in, want string
	kinds    []Kind
}{
	// The audit's failures, verbatim.
	{"mật khẩu của bác là abc123", "mật khẩu của bác là ••••", []Kind{Password}},
	{"Mật khẩu VNeID: Hoa@1950", "Mật khẩu VNeID: ••••", []Kind{Password}},
	{"mk: abc123", "mk: ••••", []Kind{Password}},
	{"０３８１２３４５６７８９", "••••", []Kind{IDNumber}},

	// Passwords: keyword, fillers ("của bác", the app), separator, secret.
	{"mat khau cua toi la abc123", "mat khau cua toi la ••••", []Kind{Password}},
	{"Mật khẩu ngân hàng của cháu là Lan@2024.", "Mật khẩu ngân hàng của cháu là ••••.", []Kind{Password}},
	{"mật khẩu đăng nhập VNeID của bà là 123456", "mật khẩu đăng nhập VNeID của bà là ••••", []Kind{Password}},
	{"MẬT KHẨU: Hoa1950", "MẬT KHẨU: ••••", []Kind{Password}},
	{"mật khẩu ứng dụng mới của em là Thu#88 nhé", "mật khẩu ứng dụng mới của em là •••• nhé", []Kind{Password}},
	{"mật khẩu là abc123. Bác cảm ơn cháu", "mật khẩu là ••••. Bác cảm ơn cháu", []Kind{Password}},
	{`mật khẩu là "abc123"`, `mật khẩu là "••••"`, []Kind{Password}},
	{"mật khẩu của ông Tư: abc123", "mật khẩu của ông Tư: ••••", []Kind{Password}},
	{"Mật khẩu\nHoa@1950", "Mật khẩu\n••••", []Kind{Password}},
	{"mật khẩu Hoa@1950 cháu xem giúp", "mật khẩu •••• cháu xem giúp", []Kind{Password}},
	{"matkhau=bacninh1960", "matkhau=••••", []Kind{Password}},
	{"mk mới là xyz789", "mk mới là ••••", []Kind{Password}},
	{"mk cũ abc123, mk mới abc456", "mk cũ ••••, mk mới ••••", []Kind{Password}},
	{"MK:Lan1955", "MK:••••", []Kind{Password}},
	{"pass wifi là 12345678", "pass wifi là ••••", []Kind{Password}},
	{"Pass: hoalan", "Pass: ••••", []Kind{Password}},
	{"pw: Abcd1234", "pw: ••••", []Kind{Password}},
	{"mật mã: tuoitre", "mật mã: ••••", []Kind{Password}},
	{"mã bí mật là 4321", "mã bí mật là ••••", []Kind{Password}},
	{"mã bảo mật thẻ là 123", "mã bảo mật thẻ là ••••", []Kind{Password}},
	{"password is Sunshine2024", "password is ••••", []Kind{Password}},
	{"my bank password = qwerty!9", "my bank password = ••••", []Kind{Password}},
	{"my old password was hunter22", "my old password was ••••", []Kind{Password}},
	{"passcode 135790", "passcode ••••", []Kind{Password}},
	{"Mật khẩu (VNeID): Lan1960", "Mật khẩu (VNeID): ••••", []Kind{Password}},
	{"tài khoản: bacnguyen, mật khẩu: bac@123", "tài khoản: bacnguyen, mật khẩu: ••••", []Kind{Password}},
	{"user: lan mk: lan123", "user: lan mk: ••••", []Kind{Password}},
	{"cháu ơi mk của bác là hoa1950 nhé", "cháu ơi mk của bác là •••• nhé", []Kind{Password}},
	{"pass fb: minh2010", "pass fb: ••••", []Kind{Password}},
	{"mật khẩu wifi nhà bác: 88888888", "mật khẩu wifi nhà bác: ••••", []Kind{Password}},
	{"https://x.vn/login?user=lan&pass=abc123", "https://x.vn/login?user=lan&pass=••••", []Kind{Password}},
	// Decomposed (NFD) input comes back composed.
	{"ma\u0323\u0302t kha\u0302\u0309u la\u0300 abc123", "mật khẩu là ••••", []Kind{Password}},

	// PINs: "mã pin", or "pin" with a separator, or "PIN" and 4–6 digits.
	{"mã pin thẻ ATM của bác là 2580", "mã pin thẻ ATM của bác là ••••", []Kind{Password}},
	{"ma pin the atm 9876", "ma pin the atm ••••", []Kind{Password}},
	{"PIN 1234", "PIN ••••", []Kind{Password}},
	{"pin: 0000", "pin: ••••", []Kind{Password}},
	{"my pin is 4821", "my pin is ••••", []Kind{Password}},
	{"The PIN for my card is 1234", "The PIN for my card is ••••", []Kind{Password}},

	// OTP codes after their keyword, with fillers too.
	{"mã OTP của bác là 4829", "mã OTP của bác là ••••", []Kind{OTP}},
	{"mã xác thực: 4829 5510", "mã xác thực: ••••", []Kind{OTP}},
	{"mã OTP：４８２９", "mã OTP:••••", []Kind{OTP}},

	// E-mail addresses.
	{"email bác là nguyenvana@gmail.com", "email bác là ••••", []Kind{Email}},
	{"gửi về tranthib.1960@yahoo.com.vn nhé", "gửi về •••• nhé", []Kind{Email}},
	{"Email: ＬＡＮ＠gmail.com", "Email: ••••", []Kind{Email}},

	// Numbers typed full-width or with invisible characters inside.
	{"sđt ０９１２３４５６７８", "sđt ••••", []Kind{Phone}},
	{"0912\u200b345678", "••••", []Kind{Phone}},
	{"CCCD 038\u200c123\u200d456\u2060789\ufeff", "CCCD ••••", []Kind{IDNumber}},
	{"số thẻ ９７０４ １２３４ ５６７８ ９０１２", "số thẻ ••••", []Kind{Card}},
	{"sđt 0️⃣9️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣", "sđt ••••", []Kind{Phone}},

	// Several secrets at once.
	{"mk VNeID Hoa@1950, sđt 0912345678", "mk VNeID ••••, sđt ••••", []Kind{Password, Phone}},

	// Negatives: ordinary sentences about passwords.
	{"bác quên mật khẩu rồi", "bác quên mật khẩu rồi", nil},
	{"mật khẩu không đúng", "mật khẩu không đúng", nil},
	{"cháu đổi mật khẩu thế nào", "cháu đổi mật khẩu thế nào", nil},
	{"mật khẩu bị khoá", "mật khẩu bị khoá", nil},
	{"tôi quên mật khẩu VNeID", "tôi quên mật khẩu VNeID", nil},
	{"bác ơi cho cháu hỏi cái này làm thế nào để lấy lại mật khẩu vneid của bác", "bác ơi cho cháu hỏi cái này làm thế nào để lấy lại mật khẩu vneid của bác", nil},
	{"mật khẩu VNeID của bác bị sai, cháu giúp với", "mật khẩu VNeID của bác bị sai, cháu giúp với", nil},
	{"mật khẩu là gì hả cháu?", "mật khẩu là gì hả cháu?", nil},
	{"mật khẩu là 6 số đúng không", "mật khẩu là 6 số đúng không", nil},
	{"mật khẩu phải có ít nhất 8 ký tự", "mật khẩu phải có ít nhất 8 ký tự", nil},
	{"bác nhập mật khẩu 3 lần đều sai", "bác nhập mật khẩu 3 lần đều sai", nil},
	{"mật khẩu, mã OTP thì bác không gửi cho ai", "mật khẩu, mã OTP thì bác không gửi cho ai", nil},
	{"đổi mật khẩu mới xong rồi", "đổi mật khẩu mới xong rồi", nil},
	{"mật khẩu mạnh là gì?", "mật khẩu mạnh là gì?", nil},
	{"mat khau khong dung", "mat khau khong dung", nil},
	{"quen mat khau roi chau oi", "quen mat khau roi chau oi", nil},
	{"Mat khau phai co chu hoa va so", "Mat khau phai co chu hoa va so", nil},
	{"mật khẩu sai: bác nhập lại nhé", "mật khẩu sai: bác nhập lại nhé", nil},
	{"quên mk", "quên mk", nil},
	{"mk :D", "mk :D", nil},
	{"mk là gì vậy", "mk là gì vậy", nil},
	{"mk 2005, mk học lớp 12", "mk 2005, mk học lớp 12", nil},
	{"mật khẩu là: ******", "mật khẩu là: ******", nil},
	{"password is too short", "password is too short", nil},
	{"mk đi chợ rồi, chiều mk gọi", "mk đi chợ rồi, chiều mk gọi", nil},
	{"mk là Lan, năm nay 70 tuổi", "mk là Lan, năm nay 70 tuổi", nil},
	{"pass lại cái xe máy cho cháu", "pass lại cái xe máy cho cháu", nil},
	{"đổi mã pin thế nào", "đổi mã pin thế nào", nil},
	{"mã OTP không về", "mã OTP không về", nil},
	{"otp hết hạn rồi", "otp hết hạn rồi", nil},
	{"forgot my password", "forgot my password", nil},
	{"reset password please", "reset password please", nil},
	{"my password doesn't work", "my password doesn't work", nil},
	{"password incorrect, try again", "password incorrect, try again", nil},
	{"the password must have 8 characters", "the password must have 8 characters", nil},
	{"I forgot my PIN", "I forgot my PIN", nil},
	{"what is a passcode?", "what is a passcode?", nil},

	// Negatives: "pin" is a battery.
	{"pin yếu", "pin yếu", nil},
	{"điện thoại hết pin", "điện thoại hết pin", nil},
	{"pin 50%", "pin 50%", nil},
	{"điện thoại bác pin còn 20% thôi", "điện thoại bác pin còn 20% thôi", nil},
	{"sạc pin 2 tiếng mà pin vẫn yếu", "sạc pin 2 tiếng mà pin vẫn yếu", nil},
	{"pin sạc dự phòng hết rồi", "pin sạc dự phòng hết rồi", nil},
	{"pin 5000 mAh", "pin 5000 mAh", nil},
	{"mà pin thì yếu lắm", "mà pin thì yếu lắm", nil},

	// Negatives: numbers and addresses that are no secret.
	{"chuyển 100.000 đồng năm 2025", "chuyển 100.000 đồng năm 2025", nil},
	{"gọi 156 hoặc 5656", "gọi 156 hoặc 5656", nil},
	{"hẹn ngày 10/10 lúc 8 giờ", "hẹn ngày 10/10 lúc 8 giờ", nil},
	{"email của bác bị khoá", "email của bác bị khoá", nil},
	{"bác nhắn @hotroso_bot nhé", "bác nhắn @hotroso_bot nhé", nil},
	{"xã Quảng Phú, tỉnh Thanh Hóa", "xã Quảng Phú, tỉnh Thanh Hóa", nil},
	{"bước 1️⃣ bấm nút Đăng nhập", "bước 1️⃣ bấm nút Đăng nhập", nil},
	{"cả nhà 👨‍👩‍👧 khoẻ, cảm ơn cháu", "cả nhà 👨‍👩‍👧 khoẻ, cảm ơn cháu", nil},
}

func TestMaskCorpus(t *testing.T) {
	for _, c := range maskCorpus {
		got, kinds := Mask(c.in)
		assert.Equal(t, c.want, got, c.in)
		assert.Equal(t, c.kinds, kinds, c.in)
		again, _ := Mask(got)
		assert.Equal(t, got, again, "masking %q twice", c.in)
	}
}

func TestMaskCorpusSize(t *testing.T) {
	positives, negatives := 0, 0
	for _, c := range maskCorpus {
		if len(c.kinds) > 0 {
			positives++
		} else {
			negatives++
		}
	}
	assert.GreaterOrEqual(t, positives+negatives, 60)
	assert.Positive(t, positives)
	assert.Positive(t, negatives)
}
