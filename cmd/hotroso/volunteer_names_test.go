package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/domain"
)

// A new volunteer's display name needs two visible letters: four
// zero-width spaces, dots or digits get a kind message and the question
// again; a Vietnamese name is taken, stored without the invisible
// characters typed with it.
func TestVolunteerDisplayNameNeedsVisibleLetters(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"ORGANIZER_IDS": "900"})
		org, vol := newChat(t, a, 900, "vi"), newChat(t, a, 5301, "vi")
		org.say("/invite")
		text := org.nextText()
		i := strings.Index(text, "start=")
		require.Positive(t, i)
		vol.say("/start " + strings.Fields(text[i+len("start="):])[0])
		assert.Contains(t, vol.nextText(), "Hãy nhập tên hiển thị")

		for _, bad := range []string{"\u200b\u200b\u200b\u200b", "..", "1234"} {
			vol.say(bad)
			assert.Equal(t, "Tên hiển thị cần ít nhất hai chữ cái, tối đa 48 ký tự, và không có số điện thoại hay số giấy tờ. "+
				"Ví dụ: Lan - Đoàn xã Thọ Xuân. Bạn nhập lại nhé.", vol.nextText(), "%q refused kindly", bad)
		}
		vol.say("Lê\u200b Hà\u200d")
		assert.Contains(t, vol.nextText(), "Người dân sẽ thấy bạn là “Lê Hà”", "taken, without the zero-width characters")
		vol.say("/queue")
		assert.Contains(t, vol.nextText(), "Hàng chờ đang trống", "a volunteer now")

		a.stop(t)
		u, err := openStoreOf(t, a).GetUser(context.Background(), vol.user.ID)
		require.NoError(t, err)
		assert.Equal(t, domain.RoleVolunteer, u.Role)
		assert.Equal(t, "Lê Hà", u.DisplayName)
	})
}
