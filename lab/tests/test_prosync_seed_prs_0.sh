#!/bin/sh

export TB_HOME=@TB_HOME@   ## TB_HOME 입력
export PRS_HOME=@PRS_HOME@
AGENT_ID=agent1                              ## agent_id 입력
TIMEOUT_CNT=7
source $PRS_HOME/bin/prs_cm.sh
export logdir=$PRS_HOME/var

echo "`date +%Y/%m/%d\ %H:%M:%S` cm agent Start (Agent Command $1)" >> $logdir/cmagent.log
case $1 in
START)
    echo "start $TIMEOUT_CNT $AGENT_ID" >> $logdir/cmagent.log
    start $TIMEOUT_CNT $AGENT_ID
    rc=$?
    ;;
PROBE)
    echo "probe $TIMEOUT_CNT $AGENT_ID" >> $logdir/cmagent.log
    probe $TIMEOUT_CNT $AGENT_ID
    rc=$?
    ;;
DOWN)
    echo "stop $TIMEOUT_CNT $AGENT_ID" >> $logdir/cmagent.log
    stop $TIMEOUT_CNT $AGENT_ID
    rc=$?
    ;;
KILL)
    echo "stop $TIMEOUT_CNT $AGENT_ID" >> $logdir/cmagent.log
    stop $TIMEOUT_CNT $AGENT_ID
    rc=$?
    ;;
NOTI)
    rc=0
    ;;
COMMIT)
    echo "send $TIMEOUT_CNT $AGENT_ID ${@:2}" >> $logdir/cmagent.log
    send $TIMEOUT_CNT $AGENT_ID ${@:2}
    rc=$?
    ;;

*)
    ;;
esac
echo "`date +%Y/%m/%d\ %H:%M:%S` cm agent End  (Agent Command $1)" >> $logdir/cmagent.log


exit $rc
