package telegramtest

import (
	"net/http"
	"strings"
	"time"
)

// responder writes answers for one HTTP request.
type responder struct {
	s *Server
	w http.ResponseWriter
	r *http.Request
}

func (wr *responder) ok(result any) { writeResult(wr.w, result) }

// fail records c as refused and writes the error.
func (wr *responder) fail(c Call, err *apiError) {
	wr.s.record(c, err)
	writeAPIError(wr.w, err)
}

// sleep waits d, returning false if the request or the server ended first.
func (wr *responder) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-wr.r.Context().Done():
		return false
	case <-wr.s.closed:
		return false
	}
}

// disconnect drops the connection without an answer.
func (wr *responder) disconnect() {
	if hj, ok := wr.w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// serveMethod handles /bot<token>/<method>.
func (s *Server) serveMethod(w http.ResponseWriter, r *http.Request, name string) {
	wr := &responder{s: s, w: w, r: r}
	params, files, decodeErr := decodeRequest(r)
	c := Call{Method: name, Params: params, Files: files, At: s.now()}

	spec, ok := lookupMethod(name)
	if !ok {
		wr.fail(c, &apiError{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	c.Method = spec.Name
	if decodeErr != nil {
		wr.fail(c, badRequest("can't parse request: "+decodeErr.Error()))
		return
	}

	if f, ok := s.takeFault(spec.Name); ok {
		if f.Delay > 0 && !wr.sleep(f.Delay) {
			s.record(c, &apiError{Description: "telegramtest: request abandoned during injected delay"})
			return
		}
		if f.Disconnect {
			s.record(c, &apiError{Description: "telegramtest: connection dropped (injected fault)"})
			wr.disconnect()
			return
		}
		if f.Status != 0 {
			wr.fail(c, f.apiError())
			return
		}
	}

	if spec.Name == "getUpdates" {
		s.handleGetUpdates(wr, c)
		return
	}

	s.mu.Lock()
	result, err := s.execLocked(spec, &c)
	s.recordLocked(c, err)
	s.mu.Unlock()
	if err != nil {
		writeAPIError(w, err)
		return
	}
	wr.ok(result)
}

// exchange is one method call being executed, with s.mu held.
type exchange struct {
	spec     methodSpec
	call     *Call
	p        map[string]string
	chat     *chatState // chat_id, when given
	fromChat *chatState // from_chat_id, when given
}

type handlerFunc func(s *Server, x *exchange) (any, *apiError)

// handlers holds the methods with specific behaviour; every other method
// of the spec gets genericLocked.
var handlers map[string]handlerFunc

func init() {
	handlers = map[string]handlerFunc{
		"getMe":                  (*Server).getMe,
		"logOut":                 okTrue,
		"close":                  okTrue,
		"setWebhook":             (*Server).setWebhook,
		"deleteWebhook":          (*Server).deleteWebhook,
		"getWebhookInfo":         (*Server).getWebhookInfo,
		"sendMessage":            (*Server).sendMessage,
		"sendPhoto":              (*Server).sendMedia,
		"sendDocument":           (*Server).sendMedia,
		"sendVoice":              (*Server).sendMedia,
		"sendAudio":              (*Server).sendMedia,
		"sendVideo":              (*Server).sendMedia,
		"sendAnimation":          (*Server).sendMedia,
		"sendVideoNote":          (*Server).sendMedia,
		"sendSticker":            (*Server).sendMedia,
		"sendMediaGroup":         (*Server).sendMediaGroup,
		"sendChatAction":         (*Server).sendChatAction,
		"editMessageText":        (*Server).editMessageText,
		"editMessageCaption":     (*Server).editMessageCaption,
		"editMessageReplyMarkup": (*Server).editMessageReplyMarkup,
		"editMessageMedia":       (*Server).editMessageMedia,
		"answerCallbackQuery":    (*Server).answerCallbackQuery,
		"copyMessage":            (*Server).copyMessage,
		"forwardMessage":         (*Server).forwardMessage,
		"copyMessages":           (*Server).copyMessages,
		"forwardMessages":        (*Server).forwardMessages,
		"deleteMessage":          (*Server).deleteMessage,
		"deleteMessages":         (*Server).deleteMessages,
		"pinChatMessage":         (*Server).pinChatMessage,
		"unpinChatMessage":       (*Server).unpinChatMessage,
		"unpinAllChatMessages":   (*Server).unpinAllChatMessages,
		"setMyCommands":          (*Server).setMyCommands,
		"getMyCommands":          (*Server).getMyCommands,
		"deleteMyCommands":       (*Server).deleteMyCommands,
		"getFile":                (*Server).getFile,
		"getChat":                (*Server).getChat,
		"getChatMember":          (*Server).getChatMember,
	}
}

func okTrue(*Server, *exchange) (any, *apiError) { return true, nil }

// execLocked runs the checks common to all methods, then the method.
// Order: required fields, chats, blocked user, rate limits (global, then
// the chat's), method-specific validation and effect.
func (s *Server) execLocked(spec methodSpec, c *Call) (any, *apiError) {
	x := &exchange{spec: spec, call: c, p: c.Params}
	for _, f := range spec.Required {
		if !paramPresent(c.Params, c.Files, f) {
			return nil, missingParam(spec.Name, f)
		}
	}
	var err *apiError
	if v := strings.TrimSpace(c.Params["chat_id"]); v != "" {
		if x.chat, err = s.chatLocked(v); err != nil {
			return nil, err
		}
	}
	if v := strings.TrimSpace(c.Params["from_chat_id"]); v != "" {
		if x.fromChat, err = s.chatLocked(v); err != nil {
			return nil, err
		}
	}
	if isSendMethod(spec.Name) && x.chat != nil && s.blocked[x.chat.id] {
		return nil, &apiError{Code: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}
	}
	if s.bucket != nil && isRateLimited(spec.Name) && !s.bucket.take(time.Now()) {
		return nil, Fault{Status: http.StatusTooManyRequests, RetryAfter: s.cfg.retryAfter}.apiError()
	}
	if s.perChat != nil && x.chat != nil && isChatLimited(spec.Name) {
		if err := s.perChat.take(x.chat, time.Now()); err != nil {
			return nil, err
		}
	}
	if h := handlers[spec.Name]; h != nil {
		return h(s, x)
	}
	return s.genericLocked(x)
}
