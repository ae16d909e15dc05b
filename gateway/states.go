package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// States that outlive runs (manage.States): the account's at /state, a
// user's at /users/{userKey}/state, where the key is the user's channel
// address ("sms:6591234567") until users have ids of their own.

func (g *Gateway) getState(c *gin.Context) error {
	values, err := g.states.Get(c.Request.Context(), c.Param("accountId"), c.Param("userKey"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, values)
	return nil
}

func (g *Gateway) putState(c *gin.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	values, err := jsonObject(body)
	if err != nil {
		return err
	}
	if err := g.states.Put(c.Request.Context(), c.Param("accountId"), c.Param("userKey"), values); err != nil {
		return err
	}
	c.JSON(http.StatusOK, values)
	return nil
}

func (g *Gateway) deleteState(c *gin.Context) error {
	if err := g.states.Delete(c.Request.Context(), c.Param("accountId"), c.Param("userKey")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
