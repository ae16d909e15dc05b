package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// States that outlive runs (manage.States): the account's at /state, a
// user's at /users/{userId}/state (its Junction id, or its channel address
// such as "sms:6591234567"), a conversation's at
// /conversations/{conversationId}/state. Each handler is made for one
// scope, whose id is the path parameter param ("" for the account's).

func (g *Gateway) getState(scope, param string) func(*gin.Context) error {
	return func(c *gin.Context) error {
		values, err := g.states.Get(c.Request.Context(), c.Param("accountId"), scope, c.Param(param))
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, values)
		return nil
	}
}

func (g *Gateway) putState(scope, param string) func(*gin.Context) error {
	return func(c *gin.Context) error {
		body, err := readBody(c)
		if err != nil {
			return err
		}
		values, err := jsonObject(body)
		if err != nil {
			return err
		}
		if err := g.states.Put(c.Request.Context(), c.Param("accountId"), scope, c.Param(param), values); err != nil {
			return err
		}
		c.JSON(http.StatusOK, values)
		return nil
	}
}

func (g *Gateway) deleteState(scope, param string) func(*gin.Context) error {
	return func(c *gin.Context) error {
		if err := g.states.Delete(c.Request.Context(), c.Param("accountId"), scope, c.Param(param)); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}
}
